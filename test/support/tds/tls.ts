/**
 * TLS as TDS 7.x does it: the handshake records travel inside PRELOGIN messages (one server
 * message answers each client message), then the socket carries raw TLS, with TDS packets inside.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TLSSocket, createSecureContext } from 'node:tls';

export interface TlsIdentity {
  key: Buffer;
  cert: Buffer;
}

/** A throwaway self-signed certificate for CN=localhost, made with the openssl command; undefined without it. */
export function selfSignedCertificate(directory: string): TlsIdentity | undefined {
  const key = join(directory, 'tds-test.key');
  const cert = join(directory, 'tds-test.crt');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } catch {
    return undefined;
  }
}

/** Two connected in-memory streams: what is written to one is read from the other. */
function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const end = (other: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        other().push(chunk);
        callback();
      },
      final(callback) {
        other().push(null);
        callback();
      },
    });
  ends.push(end(() => ends[1]!), end(() => ends[0]!));
  return [ends[0]!, ends[1]!];
}

/** The server side of one TLS session, fed with the handshake bytes the client wraps in PRELOGIN. */
export class ServerTlsSession {
  /** The decrypted side: TDS packets are read from and written to it once `secure` is true. */
  readonly clear: TLSSocket;
  private readonly encrypted: Duplex;
  private produced: Buffer[] = [];
  private handshaking = true;
  secure = false;

  constructor(identity: TlsIdentity, private readonly raw: NodeJS.WritableStream) {
    const [inner, outer] = duplexPair();
    this.encrypted = outer;
    this.clear = new TLSSocket(inner as unknown as import('node:net').Socket, {
      isServer: true,
      secureContext: createSecureContext({ key: identity.key, cert: identity.cert, maxVersion: 'TLSv1.2' }),
    });
    this.clear.on('secure', () => (this.secure = true));
    this.clear.on('error', () => this.clear.destroy());
    outer.on('data', (chunk: Buffer) => (this.handshaking ? this.produced.push(chunk) : this.raw.write(chunk)));
  }

  /** Feeds one client handshake message and returns the server's answer, all of it. */
  async exchange(input: Buffer): Promise<Buffer> {
    this.encrypted.write(input);
    let seen = -1;
    while (seen !== this.produced.length) {
      seen = this.produced.length;
      await nextTurn();
      await nextTurn();
    }
    const output = Buffer.concat(this.produced);
    this.produced = [];
    if (this.secure) this.handshaking = false;
    return output;
  }

  /** Raw TLS records from the socket, once the handshake is over. */
  receive(chunk: Buffer): void {
    this.encrypted.write(chunk);
  }
}

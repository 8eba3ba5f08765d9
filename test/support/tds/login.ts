/**
 * The login exchange: PRELOGIN answer, LOGIN7 decoding (password de-scrambling), and the NTLM
 * challenge/verification tedious performs for `authentication: { type: 'ntlm' }`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ByteReader, ByteWriter } from './bytes.js';
import type { SqlServerVersion } from './versions.js';

export const Encryption = { off: 0x00, on: 0x01, notSupported: 0x02, required: 0x03 } as const;

/** The ENCRYPTION option of the client's PRELOGIN (tedious: ON with encrypt:true, OFF without). */
export function requestedEncryption(payload: Buffer): number {
  for (let at = 0; at + 5 <= payload.length && payload[at] !== 0xff; at += 5) {
    if (payload[at] === 0x01) return payload[payload.readUInt16BE(at + 1)] ?? Encryption.off;
  }
  return Encryption.off;
}

/** PRELOGIN answer: the server's version and the encryption it settles on. */
export function preloginReply(encryption: number, version: SqlServerVersion): Buffer {
  const versionBytes = Buffer.from([version.major, version.minor, version.build >> 8, version.build & 0xff, 0, 0]);
  const options: Array<[token: number, data: Buffer]> = [
    [0x00, versionBytes],
    [0x01, Buffer.from([encryption])],
    [0x02, Buffer.from([0])],
    [0x03, Buffer.alloc(4)],
    [0x04, Buffer.from([0])],
  ];
  const header = new ByteWriter();
  const data = new ByteWriter();
  let offset = options.length * 5 + 1;
  for (const [token, bytes] of options) {
    header.u8(token).u16be(offset).u16be(bytes.length);
    data.bytes(bytes);
    offset += bytes.length;
  }
  header.u8(0xff);
  return Buffer.concat([header.take(), data.take()]);
}

export interface Login7 {
  tdsVersion: number;
  packetSize: number;
  hostName: string;
  user: string;
  password: string;
  appName: string;
  serverName: string;
  database: string;
  /** The NTLM NEGOTIATE message when the client asks for integrated security. */
  sspi: Buffer | undefined;
}

/** The client swaps each byte's nibbles then XORs 0xA5; undo it in the reverse order. */
function unscramblePassword(bytes: Buffer): string {
  const clear = Buffer.from(bytes);
  for (let index = 0; index < clear.length; index += 1) {
    const byte = clear[index]! ^ 0xa5;
    clear[index] = ((byte & 0x0f) << 4) | (byte >> 4);
  }
  return clear.toString('ucs2');
}

export function parseLogin7(payload: Buffer): Login7 {
  const fixed = new ByteReader(payload);
  fixed.u32(); // length
  const tdsVersion = fixed.u32();
  const packetSize = fixed.u32();
  const text = (at: number): string => {
    const offset = payload.readUInt16LE(at);
    const chars = payload.readUInt16LE(at + 2);
    return payload.toString('ucs2', offset, offset + chars * 2);
  };
  const passwordOffset = payload.readUInt16LE(44);
  const passwordChars = payload.readUInt16LE(46);
  const sspiOffset = payload.readUInt16LE(78);
  const sspiLength = payload.readUInt16LE(80);
  return {
    tdsVersion,
    packetSize,
    hostName: text(36),
    user: text(40),
    password: unscramblePassword(payload.subarray(passwordOffset, passwordOffset + passwordChars * 2)),
    appName: text(48),
    serverName: text(52),
    database: text(68),
    sspi: sspiLength > 0 ? payload.subarray(sspiOffset, sspiOffset + sspiLength) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// NTLM (the v2 responses tedious's ntlm-payload.ts computes)

export const NTLM_DOMAIN = 'SAGEDOM';

export interface NtlmChallenge {
  message: Buffer;
  serverNonce: Buffer;
}

/** CHALLENGE message laid out as tedious's sspi-token-parser reads it: domain at 56, then target info. */
export function ntlmChallenge(): NtlmChallenge {
  const serverNonce = randomBytes(8);
  const domain = Buffer.from(NTLM_DOMAIN, 'ucs2');
  const targetInfo = new ByteWriter().u16(2).u16(domain.length).bytes(domain).u16(0).u16(0).take();
  const message = new ByteWriter()
    .bytes(Buffer.from('NTLMSSP\0', 'latin1'))
    .u32(2)
    .u16(domain.length)
    .u16(domain.length)
    .u32(56)
    .u32(0x00808201) // unicode, NTLM, target info
    .bytes(serverNonce)
    .bytes(Buffer.alloc(8))
    .u16(targetInfo.length)
    .u16(targetInfo.length)
    .u32(56 + domain.length)
    .bytes(Buffer.alloc(8))
    .bytes(domain)
    .bytes(targetInfo)
    .take();
  return { message, serverNonce };
}

export interface NtlmIdentity {
  domain: string;
  user: string;
}

/** Reads the domain and user of an AUTHENTICATE message and checks its NTLMv2 proof against `password`. */
export function readNtlmAuthenticate(message: Buffer): NtlmIdentity & { proves: (password: string, serverNonce: Buffer) => boolean } {
  const field = (at: number): Buffer => {
    const length = message.readUInt16LE(at);
    const offset = message.readUInt32LE(at + 4);
    return message.subarray(offset, offset + length);
  };
  const ntOffset = message.readUInt32LE(24);
  const domain = field(28).toString('ucs2');
  const user = field(36).toString('ucs2');
  const proof = message.subarray(ntOffset, ntOffset + 16);
  const blob = message.subarray(ntOffset + 16);
  return {
    domain,
    user,
    proves(password, serverNonce) {
      const ntHash = md4(Buffer.from(password, 'ucs2'));
      const ntlmV2Hash = hmacMd5(ntHash, Buffer.from(user.toUpperCase() + domain.toUpperCase(), 'ucs2'));
      return hmacMd5(ntlmV2Hash, Buffer.concat([serverNonce, blob])).equals(proof);
    },
  };
}

function hmacMd5(key: Buffer, data: Buffer): Buffer {
  return createHmac('md5', key).update(data).digest();
}

/** MD4 (RFC 1320): OpenSSL 3 no longer ships it, and NTLM needs it for the NT hash. */
export function md4(input: Buffer): Buffer {
  const bitLength = BigInt(input.length) * 8n;
  const padded = Buffer.alloc(Math.ceil((input.length + 9) / 64) * 64);
  input.copy(padded);
  padded[input.length] = 0x80;
  padded.writeBigUInt64LE(bitLength, padded.length - 8);
  const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const rotate = (value: number, bits: number): number => ((value << bits) | (value >>> (32 - bits))) >>> 0;
  const f = (x: number, y: number, z: number): number => (x & y) | (~x & z);
  const g = (x: number, y: number, z: number): number => (x & y) | (x & z) | (y & z);
  const h = (x: number, y: number, z: number): number => x ^ y ^ z;
  for (let block = 0; block < padded.length; block += 64) {
    const x = Array.from({ length: 16 }, (_, index) => padded.readUInt32LE(block + index * 4));
    let [a, b, c, d] = state as [number, number, number, number];
    const round1 = [3, 7, 11, 19];
    for (let index = 0; index < 16; index += 1) {
      const next = rotate((a + f(b, c, d) + x[index]!) >>> 0, round1[index % 4]!);
      [a, b, c, d] = [d, next, b, c];
    }
    const round2 = [3, 5, 9, 13];
    for (let index = 0; index < 16; index += 1) {
      const word = (index % 4) * 4 + Math.floor(index / 4);
      const next = rotate((a + g(b, c, d) + x[word]! + 0x5a827999) >>> 0, round2[index % 4]!);
      [a, b, c, d] = [d, next, b, c];
    }
    const round3 = [3, 9, 11, 15];
    const order = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    for (let index = 0; index < 16; index += 1) {
      const next = rotate((a + h(b, c, d) + x[order[index]!]! + 0x6ed9eba1) >>> 0, round3[index % 4]!);
      [a, b, c, d] = [d, next, b, c];
    }
    state[0] = (state[0]! + a) >>> 0;
    state[1] = (state[1]! + b) >>> 0;
    state[2] = (state[2]! + c) >>> 0;
    state[3] = (state[3]! + d) >>> 0;
  }
  const digest = Buffer.alloc(16);
  state.forEach((word, index) => digest.writeUInt32LE(word, index * 4));
  return digest;
}

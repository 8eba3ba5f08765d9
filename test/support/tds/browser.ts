/**
 * A SQL Server Browser stand-in (SSRP over UDP): answers which TCP port serves each named
 * instance. tedious always asks on UDP port 1434, so this binds that port on 127.0.0.1;
 * `startSqlBrowser` resolves to undefined when the port is taken or not allowed here.
 */
import { type Socket, createSocket } from 'node:dgram';

export interface SqlBrowser {
  stop(): Promise<void>;
}

const SSRP_PORT = 1434;
const SVR_RESP = 0x05;

/** `instances`: instance name → TCP port of the TDS test server that plays it. */
export async function startSqlBrowser(instances: Record<string, number>): Promise<SqlBrowser | undefined> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (_request, remote) => {
    const text = Object.entries(instances)
      .map(([name, port]) => `ServerName;SBSYNC-TDS-TEST;InstanceName;${name};IsClustered;No;Version;15.0.2000.5;tcp;${port};;`)
      .join('');
    const body = Buffer.from(text, 'ascii');
    const header = Buffer.alloc(3);
    header.writeUInt8(SVR_RESP, 0);
    header.writeUInt16LE(body.length, 1);
    socket.send(Buffer.concat([header, body]), remote.port, remote.address);
  });
  const bound = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(SSRP_PORT, '127.0.0.1', () => resolve(true));
  });
  if (!bound) {
    socket.close();
    return undefined;
  }
  socket.unref();
  return { stop: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

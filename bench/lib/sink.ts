/** A tiny HTTP sink on 127.0.0.1: reads every request body, counts its bytes, answers 200. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface Sink {
  url: string;
  /** Body bytes received per request path. */
  received: Map<string, number>;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const received = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    let n = 0;
    req.on('data', (chunk: Buffer) => (n += chunk.length));
    req.on('end', () => {
      received.set(path, (received.get(path) ?? 0) + n);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${n}\n`);
    });
    req.on('error', () => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * TDS packet framing: reassembling client messages and writing replies split at the negotiated
 * packet size, with socket backpressure. Header: type u8, status u8, length u16 BE (header
 * included), spid u16 BE, packet id u8, window u8.
 */
import type { Socket } from 'node:net';

export const PacketType = {
  sqlBatch: 0x01,
  rpc: 0x03,
  reply: 0x04,
  attention: 0x06,
  login7: 0x10,
  ntlmAuth: 0x11,
  prelogin: 0x12,
} as const;

const HEADER_LENGTH = 8;
const STATUS_END_OF_MESSAGE = 0x01;
const STATUS_IGNORE = 0x02;
const SERVER_PROCESS_ID = 54;

export interface ClientMessage {
  type: number;
  payload: Buffer;
  /** The client gave up sending this message (it set the IGNORE bit on the last packet). */
  ignored: boolean;
}

/** Collects packets from the socket and hands over whole messages. */
export class MessageAssembler {
  private pending: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];

  constructor(private readonly onMessage: (message: ClientMessage) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER_LENGTH) {
      const length = this.pending.readUInt16BE(2);
      if (length < HEADER_LENGTH) throw new Error(`Bad TDS packet length ${length}`);
      if (this.pending.length < length) return;
      const type = this.pending.readUInt8(0);
      const status = this.pending.readUInt8(1);
      this.parts.push(this.pending.subarray(HEADER_LENGTH, length));
      this.pending = this.pending.subarray(length);
      if (status & STATUS_END_OF_MESSAGE) {
        const payload = Buffer.concat(this.parts);
        this.parts = [];
        this.onMessage({ type, payload, ignored: (status & STATUS_IGNORE) !== 0 });
      }
    }
  }
}

/**
 * Writes one reply message as packets of `packetSize` bytes. Callers append tokens, then
 * `await ready()` so that a slow client slows the producer down instead of filling memory.
 */
export class ReplyWriter {
  private packet: Buffer;
  private used = HEADER_LENGTH;
  private packetId = 1;

  constructor(
    private readonly socket: Socket,
    private readonly packetSize: number,
    private readonly packetType: number = PacketType.reply,
  ) {
    this.packet = Buffer.allocUnsafe(packetSize);
  }

  append(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      if (this.used === this.packetSize) this.flush(false);
      const count = Math.min(data.length - offset, this.packetSize - this.used);
      data.copy(this.packet, this.used, offset, offset + count);
      this.used += count;
      offset += count;
    }
  }

  /** Ends the message: the last packet carries the end-of-message status. */
  end(): void {
    this.flush(true);
    this.packetId = 1;
  }

  /** Resolves when the socket can take more (or is gone: the producer must then stop on its own). */
  async ready(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private flush(last: boolean): void {
    const packet = this.packet;
    packet.writeUInt8(this.packetType, 0);
    packet.writeUInt8(last ? STATUS_END_OF_MESSAGE : 0, 1);
    packet.writeUInt16BE(this.used, 2);
    packet.writeUInt16BE(SERVER_PROCESS_ID, 4);
    packet.writeUInt8(this.packetId, 6);
    packet.writeUInt8(0, 7);
    this.packetId = (this.packetId + 1) % 256;
    if (!this.socket.destroyed) this.socket.write(packet.subarray(0, this.used));
    this.packet = Buffer.allocUnsafe(this.packetSize);
    this.used = HEADER_LENGTH;
  }
}

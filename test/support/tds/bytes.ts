/**
 * Little byte helpers for the TDS test server. TDS is little-endian except the packet header
 * and LOGINACK's version (see packets.ts and login.ts).
 */

/** A growable buffer that encodes TDS primitives; `take()` hands the bytes over and starts afresh. */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialSize = 256) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  get size(): number {
    return this.length;
  }

  /**
   * Makes room for `bytes` and returns where they go. Call it before naming `this.buffer` in the same
   * expression: it may replace the buffer, and `this.buffer.write…(v, this.reserve(n))` would write to the old one.
   */
  private reserve(bytes: number): number {
    const at = this.length;
    if (at + bytes > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, at + bytes));
      this.buffer.copy(grown, 0, 0, at);
      this.buffer = grown;
    }
    this.length += bytes;
    return at;
  }

  u8(value: number): this {
    const at = this.reserve(1);
    this.buffer.writeUInt8(value, at);
    return this;
  }

  u16(value: number): this {
    const at = this.reserve(2);
    this.buffer.writeUInt16LE(value, at);
    return this;
  }

  u16be(value: number): this {
    const at = this.reserve(2);
    this.buffer.writeUInt16BE(value, at);
    return this;
  }

  u24(value: number): this {
    const at = this.reserve(3);
    this.buffer.writeUIntLE(value, at, 3);
    return this;
  }

  u32(value: number): this {
    const at = this.reserve(4);
    this.buffer.writeUInt32LE(value, at);
    return this;
  }

  u32be(value: number): this {
    const at = this.reserve(4);
    this.buffer.writeUInt32BE(value, at);
    return this;
  }

  i32(value: number): this {
    const at = this.reserve(4);
    this.buffer.writeInt32LE(value, at);
    return this;
  }

  u64(value: bigint): this {
    const at = this.reserve(8);
    this.buffer.writeBigUInt64LE(value, at);
    return this;
  }

  i64(value: bigint): this {
    const at = this.reserve(8);
    this.buffer.writeBigInt64LE(value, at);
    return this;
  }

  /** An unsigned integer of `bytes` bytes, little-endian (decimal magnitudes, datetime2 times). */
  uintLE(value: bigint, bytes: number): this {
    const at = this.reserve(bytes);
    let rest = value;
    for (let index = 0; index < bytes; index += 1) {
      this.buffer[at + index] = Number(rest & 0xffn);
      rest >>= 8n;
    }
    return this;
  }

  f32(value: number): this {
    const at = this.reserve(4);
    this.buffer.writeFloatLE(value, at);
    return this;
  }

  f64(value: number): this {
    const at = this.reserve(8);
    this.buffer.writeDoubleLE(value, at);
    return this;
  }

  bytes(data: Buffer): this {
    const at = this.reserve(data.length);
    data.copy(this.buffer, at);
    return this;
  }

  ucs2(text: string): this {
    const bytes = Buffer.byteLength(text, 'ucs2');
    const at = this.reserve(bytes);
    this.buffer.write(text, at, bytes, 'ucs2');
    return this;
  }

  /** B_VARCHAR: a u8 character count then UCS-2. */
  bVarchar(text: string): this {
    return this.u8(text.length).ucs2(text);
  }

  /** US_VARCHAR: a u16 character count then UCS-2. */
  usVarchar(text: string): this {
    return this.u16(text.length).ucs2(text);
  }

  /** Overwrites a u16 written earlier (token lengths known only at the end). */
  patchU16(at: number, value: number): void {
    this.buffer.writeUInt16LE(value, at);
  }

  take(): Buffer {
    const taken = Buffer.from(this.buffer.subarray(0, this.length));
    this.length = 0;
    return taken;
  }
}

export class ByteReader {
  constructor(
    readonly buffer: Buffer,
    public offset = 0,
  ) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private advance(bytes: number): number {
    if (this.offset + bytes > this.buffer.length) {
      throw new RangeError(`TDS payload ends early: ${bytes} bytes wanted at ${this.offset} of ${this.buffer.length}`);
    }
    const at = this.offset;
    this.offset += bytes;
    return at;
  }

  u8(): number {
    return this.buffer.readUInt8(this.advance(1));
  }

  u16(): number {
    return this.buffer.readUInt16LE(this.advance(2));
  }

  u16be(): number {
    return this.buffer.readUInt16BE(this.advance(2));
  }

  u24(): number {
    return this.buffer.readUIntLE(this.advance(3), 3);
  }

  u32(): number {
    return this.buffer.readUInt32LE(this.advance(4));
  }

  i32(): number {
    return this.buffer.readInt32LE(this.advance(4));
  }

  u64(): bigint {
    return this.buffer.readBigUInt64LE(this.advance(8));
  }

  i64(): bigint {
    return this.buffer.readBigInt64LE(this.advance(8));
  }

  uintLE(bytes: number): bigint {
    const at = this.advance(bytes);
    let value = 0n;
    for (let index = bytes - 1; index >= 0; index -= 1) value = (value << 8n) | BigInt(this.buffer[at + index]!);
    return value;
  }

  f32(): number {
    return this.buffer.readFloatLE(this.advance(4));
  }

  f64(): number {
    return this.buffer.readDoubleLE(this.advance(8));
  }

  bytes(count: number): Buffer {
    const at = this.advance(count);
    return this.buffer.subarray(at, at + count);
  }

  ucs2(chars: number): string {
    return this.bytes(chars * 2).toString('ucs2');
  }

  bVarchar(): string {
    return this.ucs2(this.u8());
  }

  usVarchar(): string {
    return this.ucs2(this.u16());
  }
}

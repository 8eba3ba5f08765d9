/** Reply tokens, byte for byte as tedious 19 parses them (token/*-parser.ts). */
import { ByteWriter } from './bytes.js';
import { type SqlServerVersion, tdsVersionOf } from './versions.js';

export const Token = {
  returnStatus: 0x79,
  colMetadata: 0x81,
  error: 0xaa,
  info: 0xab,
  loginAck: 0xad,
  row: 0xd1,
  envChange: 0xe3,
  sspi: 0xed,
  done: 0xfd,
  doneProc: 0xfe,
  doneInProc: 0xff,
} as const;

export const DoneStatus = {
  final: 0x00,
  more: 0x01,
  error: 0x02,
  count: 0x10,
  attention: 0x20,
} as const;

/** SQL_Latin1_General_CP1_CI_AS would be `09 04 D0 00 34`; Sage databases use French_CI_AS (LCID 0x040C, code page 1252). */
export const FRENCH_CI_AS = Buffer.from([0x0c, 0x04, 0xd0, 0x00, 0x00]);

export const SERVER_NAME = 'SBSYNC-TDS-TEST';
const SELECT_COMMAND = 0xc1;

export function done(kind: 'done' | 'doneProc' | 'doneInProc', status: number, rowCount = 0): Buffer {
  return new ByteWriter(13)
    .u8(Token[kind])
    .u16(status)
    .u16(SELECT_COMMAND)
    .u64(BigInt(rowCount))
    .take();
}

export function returnStatus(value: number): Buffer {
  return new ByteWriter(5).u8(Token.returnStatus).i32(value).take();
}

export interface ServerMessage {
  number: number;
  state?: number;
  /** Severity: 10 and below is information, 11 and above an error. */
  severity: number;
  message: string;
  line?: number;
}

function errorOrInfo(token: number, { number, state = 1, severity, message, line = 1 }: ServerMessage): Buffer {
  const writer = new ByteWriter();
  writer.u8(token).u16(0);
  writer.u32(number).u8(state).u8(severity).usVarchar(message).bVarchar(SERVER_NAME).bVarchar('').u32(line);
  const bytes = writer.take();
  bytes.writeUInt16LE(bytes.length - 3, 1);
  return bytes;
}

export function errorToken(message: ServerMessage): Buffer {
  return errorOrInfo(Token.error, message);
}

export function infoToken(message: ServerMessage): Buffer {
  return errorOrInfo(Token.info, message);
}

function envChange(type: number, body: ByteWriter): Buffer {
  const content = body.take();
  return new ByteWriter()
    .u8(Token.envChange)
    .u16(content.length + 1)
    .u8(type)
    .bytes(content)
    .take();
}

export function databaseChange(name: string): Buffer {
  return envChange(1, new ByteWriter().bVarchar(name).bVarchar('master'));
}

export function packetSizeChange(size: number): Buffer {
  return envChange(4, new ByteWriter().bVarchar(String(size)).bVarchar(String(size)));
}

export function collationChange(collation: Buffer): Buffer {
  return envChange(7, new ByteWriter().u8(collation.length).bytes(collation).u8(0));
}

/** LOGINACK: interface 1 (SQL), the TDS version written big-endian (7.4, or 7.3 up to 2008 R2), program name and version. */
export function loginAck(version: SqlServerVersion): Buffer {
  const writer = new ByteWriter();
  writer.u8(Token.loginAck).u16(0);
  writer.u8(1).u32be(tdsVersionOf(version)).bVarchar('Microsoft SQL Server').u8(version.major).u8(version.minor).u16be(version.build);
  const bytes = writer.take();
  bytes.writeUInt16LE(bytes.length - 3, 1);
  return bytes;
}

export function sspiToken(data: Buffer): Buffer {
  return new ByteWriter().u8(Token.sspi).u16(data.length).bytes(data).take();
}

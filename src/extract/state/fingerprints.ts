/**
 * Line fingerprints of the rows an incremental extraction reads again.
 *
 * The changed-rows filter re-reads an overlap window below the watermark (smalldatetime stamps have minute
 * precision, rows change during a scan), so without more information every run would re-send the window's
 * rows. The state therefore keeps, for the rows the next run will read again, a fingerprint of the exact line
 * that was published: the first 8 bytes of the SHA-1 of its UTF-8 text. A re-read row whose line has the same
 * fingerprint is skipped (the portal already holds that very line); a row whose line differs, even with an
 * unchanged stamp, or that has no fingerprint, is sent. A stamp comparison alone would miss a row changed
 * twice within the same minute.
 *
 * Stored in the manifest (so committed atomically with it) as base64 of, per row in ascending cbMarq order,
 * the LEB128 gap to the previous key (the first from 0) followed by the 8 fingerprint bytes: about 10 bytes
 * per row before base64.
 */
import { hash } from 'node:crypto';

/** A line's fingerprint: 16 hex digits (64 bits of SHA-1). */
export function lineFingerprint(line: string): string {
  return hash('sha1', line, 'hex').slice(0, 16);
}

/** At most this many rows are fingerprinted per table (beyond, rows are simply sent again next time). */
export const MAX_FINGERPRINTS = 100_000;

const FINGERPRINT_BYTES = 8;

/** Encodes key → fingerprint pairs (any order) as the manifest's base64 text. */
export function encodeFingerprints(entries: ReadonlyMap<number, string>): string {
  const keys = [...entries.keys()].sort((a, b) => a - b);
  const out = Buffer.allocUnsafe(keys.length * (8 + FINGERPRINT_BYTES));
  let used = 0;
  let previous = 0;
  for (const key of keys) {
    let gap = key - previous;
    previous = key;
    while (gap >= 0x80) {
      out[used++] = (gap % 0x80) | 0x80;
      gap = Math.floor(gap / 0x80);
    }
    out[used++] = gap;
    used += out.write(entries.get(key) as string, used, FINGERPRINT_BYTES, 'hex');
  }
  return out.subarray(0, used).toString('base64');
}

/**
 * Decodes the manifest's fingerprints. Anything malformed gives an empty map: the rows are then sent again,
 * which is always safe.
 */
export function decodeFingerprints(text: unknown, count: unknown): Map<number, string> {
  const map = new Map<number, string>();
  if (typeof text !== 'string' || !Number.isSafeInteger(count)) return map;
  const bytes = Buffer.from(text, 'base64');
  let offset = 0;
  let previous = 0;
  while (offset < bytes.length) {
    let gap = 0;
    let scale = 1;
    for (;;) {
      if (offset >= bytes.length || scale > 2 ** 56) return new Map();
      const byte = bytes[offset++] as number;
      gap += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
    }
    if (offset + FINGERPRINT_BYTES > bytes.length || (map.size > 0 && gap === 0)) return new Map();
    previous += gap;
    map.set(previous, bytes.toString('hex', offset, offset + FINGERPRINT_BYTES));
    offset += FINGERPRINT_BYTES;
  }
  return map.size === count ? map : new Map();
}

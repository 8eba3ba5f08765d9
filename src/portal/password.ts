/**
 * Salted password hashes, shared by the publisher (which hashes mobile users' passwords before they leave
 * the machine) and the portal (which verifies publisher and mobile logins).
 *
 * Format: `scrypt$N$r$p$saltB64$hashB64` (standard base64, with padding), e.g.
 * `scrypt$16384$8$1$3q2+7w…==$Zm9v…=`. The parameters travel with the hash so they can be raised later
 * without invalidating stored hashes.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHashOptions {
  /** CPU/memory cost, a power of two. 16384 costs 16 MiB and ~50 ms: fine for logins, slow for guessing. */
  cost?: number;
  blockSize?: number;
  parallelization?: number;
  /** Injected for deterministic tests; 16 random bytes by default. */
  salt?: Buffer;
}

export const DEFAULT_SCRYPT_COST = 16384;
const DEFAULT_BLOCK_SIZE = 8;
const DEFAULT_PARALLELIZATION = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Bounds on parameters read from a stored hash, so a crafted hash cannot make verification eat the machine.
const MAX_COST = 1 << 20;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLELIZATION = 16;

const HASH_PATTERN = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export interface ParsedHash {
  cost: number;
  blockSize: number;
  parallelization: number;
  salt: Buffer;
  key: Buffer;
}

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function scryptOptions(cost: number, blockSize: number, parallelization: number): ScryptOptions {
  // Node refuses parameters needing more than `maxmem` (32 MiB by default): allow what the parameters need.
  return { N: cost, r: blockSize, p: parallelization, maxmem: 256 * cost * blockSize * parallelization };
}

function isPowerOfTwo(value: number): boolean {
  return value > 1 && (value & (value - 1)) === 0;
}

export function parsePasswordHash(hash: string): ParsedHash | undefined {
  const match = HASH_PATTERN.exec(hash);
  if (!match) return undefined;
  const [, costText, blockText, parallelText, saltText, keyText] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const cost = Number(costText);
  const blockSize = Number(blockText);
  const parallelization = Number(parallelText);
  if (!isPowerOfTwo(cost) || cost > MAX_COST) return undefined;
  if (blockSize < 1 || blockSize > MAX_BLOCK_SIZE || parallelization < 1 || parallelization > MAX_PARALLELIZATION) {
    return undefined;
  }
  const salt = Buffer.from(saltText, 'base64');
  const key = Buffer.from(keyText, 'base64');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { cost, blockSize, parallelization, salt, key };
}

/** True when `hash` has the `scrypt$N$r$p$salt$hash` shape with acceptable parameters. */
export function isPasswordHash(hash: string): boolean {
  return parsePasswordHash(hash) !== undefined;
}

export async function hashPassword(password: string, options: PasswordHashOptions = {}): Promise<string> {
  const cost = options.cost ?? DEFAULT_SCRYPT_COST;
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const parallelization = options.parallelization ?? DEFAULT_PARALLELIZATION;
  if (!isPowerOfTwo(cost) || cost > MAX_COST)
    throw new RangeError(`scrypt cost must be a power of two up to ${MAX_COST}`);
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEY_BYTES, scryptOptions(cost, blockSize, parallelization));
  return ['scrypt', cost, blockSize, parallelization, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Constant-time comparison; a malformed hash verifies as false (after the same work as a real one). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parsePasswordHash(hash);
  if (!parsed) {
    await burnVerificationTime(password);
    return false;
  }
  const { cost, blockSize, parallelization, salt, key } = parsed;
  const candidate = await scrypt(password, salt, key.length, scryptOptions(cost, blockSize, parallelization));
  return timingSafeEqual(candidate, key);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time a real verification would, so that "no such user" and "wrong password" cannot be told
 * apart by the response time.
 */
export async function burnVerificationTime(password: string): Promise<void> {
  dummyHash ??= hashPassword('sbsync-dummy-password');
  const parsed = parsePasswordHash(await dummyHash) as ParsedHash;
  await scrypt(
    password,
    parsed.salt,
    parsed.key.length,
    scryptOptions(parsed.cost, parsed.blockSize, parsed.parallelization),
  );
}

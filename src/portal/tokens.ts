/** Bearer tokens and login throttling of the reference portal, in memory (a restart logs everyone out). */
import { randomBytes } from 'node:crypto';
import type { Clock } from './lock.js';
import type { PortalService } from './store.js';

export type TokenGrant =
  | { kind: 'publisher'; service: PortalService; account: string }
  /** `passwordHash` as at login: a password change on the portal invalidates the token. */
  | { kind: 'mobile'; company: string; login: string; passwordHash: string };

interface IssuedToken {
  grant: TokenGrant;
  expiresAtMs: number;
}

export class TokenRegistry {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  issue(grant: TokenGrant): { token: string; expiresAt: string } {
    this.forgetExpired();
    const token = randomBytes(32).toString('base64url');
    const expiresAtMs = this.clock.now().getTime() + this.ttlSeconds * 1000;
    this.tokens.set(token, { grant, expiresAtMs });
    return { token, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  /** The grant of a live token; undefined for unknown and expired ones. */
  resolve(token: string): TokenGrant | undefined {
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    if (issued.expiresAtMs <= this.clock.now().getTime()) {
      this.tokens.delete(token);
      return undefined;
    }
    return issued.grant;
  }

  private forgetExpired(): void {
    const now = this.clock.now().getTime();
    for (const [token, issued] of this.tokens) if (issued.expiresAtMs <= now) this.tokens.delete(token);
  }
}

export interface ThrottleOptions {
  /** Failed logins allowed per key within the window before further attempts are refused. */
  maxFailures: number;
  windowSeconds: number;
}

/**
 * Counts failed logins per key (the client address, and the identity tried) over a sliding window, so a
 * password cannot be guessed quickly from one address nor one account be attacked from many.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly options: ThrottleOptions,
  ) {}

  /** Seconds to wait before trying again, or 0 when attempts are allowed. */
  retryAfterSeconds(keys: readonly string[]): number {
    const now = this.clock.now().getTime();
    const windowMs = this.options.windowSeconds * 1000;
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.options.maxFailures) {
        wait = Math.max(wait, Math.ceil(((recent[0] as number) + windowMs - now) / 1000));
      }
    }
    return wait;
  }

  recordFailure(keys: readonly string[]): void {
    const now = this.clock.now().getTime();
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
    if (this.failures.size > 10_000) this.forgetOld(now);
  }

  recordSuccess(identityKey: string): void {
    this.failures.delete(identityKey);
  }

  private recent(key: string, now: number): number[] {
    const windowMs = this.options.windowSeconds * 1000;
    return (this.failures.get(key) ?? []).filter((at) => now - at < windowMs);
  }

  private forgetOld(now: number): void {
    for (const key of [...this.failures.keys()]) {
      const recent = this.recent(key, now);
      if (recent.length === 0) this.failures.delete(key);
      else this.failures.set(key, recent);
    }
  }
}

/**
 * Keeps every secret value the config resolved and masks it in any text before it leaves the process:
 * stdout, stderr, log files and the journal all write through one Redactor.
 */
export const REDACTED = '***';

export class Redactor {
  readonly #secrets = new Set<string>();

  add(secret: string): void {
    if (secret.length === 0) return;
    this.#secrets.add(secret);
    // Secrets also travel URL-encoded (proxy URLs, query strings): mask that spelling too.
    this.#secrets.add(encodeURIComponent(secret));
    // …and JSON-escaped, as it appears inside a --json document or a journal line.
    this.#secrets.add(JSON.stringify(secret).slice(1, -1));
  }

  /** Lets one value through again: used only when the user explicitly asked to see it. */
  allow(secret: string): void {
    this.#secrets.delete(secret);
    this.#secrets.delete(encodeURIComponent(secret));
    this.#secrets.delete(JSON.stringify(secret).slice(1, -1));
  }

  get size(): number {
    return this.#secrets.size;
  }

  redact(text: string): string {
    let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+):[^\s@/]+@/gi, `$1:${REDACTED}@`);
    if (this.#secrets.size === 0) return out;
    // Longest first, so a secret containing another one is masked whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** Deep copy of a JSON-like value with every secret string masked. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.redactValue(item)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactValue(v)])) as T;
    }
    return value;
  }
}

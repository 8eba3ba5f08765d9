/**
 * HTTP to the portal through one injected undici Dispatcher (direct or through a proxy): timeouts,
 * retries with exponential backoff and jitter on network errors, 429 and 5xx (honouring Retry-After),
 * none on other 4xx, and failures translated into messages that say what to do.
 */
import { request, type Dispatcher } from 'undici';
import { AuthError, InterruptedError, PortalError, type SbsyncError } from '../errors.js';

export interface RetryPolicy {
  retries: number;
  /** First backoff delay; doubled each attempt, with ±50 % jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpDeps {
  dispatcher: Dispatcher;
  timeoutMs: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Injected so tests do not wait for real backoffs. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Called before each retry, for progress and the journal. */
  onRetry?: (info: { method: string; url: string; attempt: number; delayMs: number; reason: string }) => void;
  /** Describes the route to the portal for messages ("through proxy http://proxy:3128 (from HTTPS_PROXY)"). */
  route?: string;
  /** Turns a failure caused by the proxy into an error naming the proxy (refused credentials, unreachable). */
  translateProxyError?: (error: unknown) => SbsyncError | undefined;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** JSON body, or a factory for a fresh body stream on every attempt (uploads). */
  json?: unknown;
  body?: () => NodeJS.ReadableStream | Buffer;
  /** Status codes that are answers, not errors (e.g. 404 on a read). */
  accept?: readonly number[];
  /** Clean-up requests (aborting a publication after Ctrl-C) must still go out once the run is interrupted. */
  evenIfInterrupted?: boolean;
  /** Cancels this request alone, on top of the run's signal (an upload whose sibling failed). */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED',
]);

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Retry-After in seconds or as an HTTP date; capped so a broken header cannot stall a run for hours. */
export function retryAfterMs(header: string | string[] | undefined, now: number, capMs = 300_000): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, capMs);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), capMs);
}

export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(exponential * (0.5 + random()));
}

function portalMessage(json: unknown): { code?: string; message?: string } {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return {
    ...(typeof error?.code === 'string' ? { code: error.code } : {}),
    ...(typeof error?.message === 'string' ? { message: error.message } : {}),
  };
}

/** The portal itself (not a proxy) answered 401/403. */
export class PortalAuthError extends AuthError {
  constructor(
    message: string,
    readonly status: number,
    details: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, details);
  }
}

export class PortalHttpError extends PortalError {
  constructor(
    message: string,
    readonly status: number,
    readonly portalCode: string | undefined,
    details: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, details);
  }
}

export async function httpRequest(req: HttpRequest, deps: HttpDeps): Promise<HttpResponse> {
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const what = `${req.method} ${req.url}`;
  const via = deps.route ? ` ${deps.route}` : '';
  const signal = req.evenIfInterrupted ? undefined : req.signal && deps.signal ? AbortSignal.any([deps.signal, req.signal]) : (req.signal ?? deps.signal);
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new InterruptedError(`interrupted before ${what}`);
    let retryReason: string;
    let serverDelay: number | undefined;
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
      let body: Buffer | NodeJS.ReadableStream | undefined;
      if (req.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = Buffer.from(JSON.stringify(req.json));
      } else if (req.body) body = req.body();
      const response = await request(req.url, {
        method: req.method,
        headers,
        body: body as Buffer | undefined,
        dispatcher: deps.dispatcher,
        headersTimeout: deps.timeoutMs,
        bodyTimeout: deps.timeoutMs,
        ...(signal ? { signal } : {}),
      });
      const text = await response.body.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      const status = response.statusCode;
      if ((status >= 200 && status < 300) || req.accept?.includes(status)) return { status, headers: response.headers, json };
      const portal = portalMessage(json);
      const said = portal.message ?? (text.length > 0 && text.length < 300 ? text.trim() : `HTTP ${status}`);
      if (RETRYABLE_STATUS.has(status) && attempt < deps.retry.retries) {
        retryReason = `HTTP ${status}`;
        serverDelay = retryAfterMs(response.headers['retry-after'], Date.now());
      } else if (status === 401 || status === 403) {
        throw new PortalAuthError(`the portal refused the request ${what}: ${said}`, status, {
          hint: status === 401 ? 'Check the portal credentials in the config (portal.dataManager / portal.businessMobile).' : 'The account lacks the right for this operation; check it on the portal.',
        });
      } else if (status === 407) {
        throw new AuthError(`the proxy${via} refused the credentials (HTTP 407) for ${what}`, { hint: 'Check proxy.user and proxy.password, or the credentials in HTTPS_PROXY.' });
      } else {
        const retried = attempt > 0 ? ` after ${attempt + 1} attempts` : '';
        const retryAfter = response.headers['retry-after'];
        throw new PortalHttpError(`the portal answered ${status} to ${what}${retried}: ${said}`, status, portal.code, {
          ...(RETRYABLE_STATUS.has(status) ? { hint: `The portal is failing or overloaded${retryAfter ? ` (it asked to retry after ${String(retryAfter)} s)` : ''}; nothing was committed, run again later.` } : {}),
        });
      }
    } catch (error) {
      if (error instanceof PortalError || error instanceof AuthError) throw error;
      if (signal?.aborted) throw new InterruptedError(`interrupted during ${what}`, { cause: error });
      const code = errorCode(error);
      // A proxy refusing the credentials will refuse them again: no retry. An unreachable proxy is retried first.
      const proxyError = deps.translateProxyError?.(error);
      if (proxyError && (proxyError instanceof AuthError || !code || !NETWORK_CODES.has(code) || attempt >= deps.retry.retries)) throw proxyError;
      if (code && TLS_CODES.has(code)) {
        throw new PortalError(`TLS failure talking to ${req.url}${via}: ${code}`, {
          hint: 'A corporate proxy or antivirus may intercept HTTPS with its own certificate authority: export its root certificate (PEM) and set NODE_EXTRA_CA_CERTS to that file.',
          cause: error,
        });
      }
      if (!code || !NETWORK_CODES.has(code) || attempt >= deps.retry.retries) {
        const tries = attempt > 0 ? ` after ${attempt + 1} attempts` : '';
        throw new PortalError(`cannot reach the portal for ${what}${via}${tries}: ${code ?? (error instanceof Error ? error.message : String(error))}`, {
          hint: code === 'ECONNREFUSED' ? 'Is the portal running at that address and port? With a proxy, is the proxy address right?' : code === 'ENOTFOUND' ? 'The host name does not resolve: check portal.url (and the proxy settings).' : 'Check the network path to the portal and run again; nothing was committed.',
          cause: error,
        });
      }
      retryReason = code;
    }
    const delayMs = serverDelay ?? backoffDelay(attempt, deps.retry, random);
    deps.onRetry?.({ method: req.method, url: req.url, attempt: attempt + 1, delayMs, reason: retryReason });
    try {
      await sleep(delayMs, signal);
    } catch (error) {
      throw new InterruptedError(`interrupted while waiting to retry ${what}`, { cause: error });
    }
  }
}

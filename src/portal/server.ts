/**
 * The reference portal: portal protocol v1 (docs/portal-protocol.md) over node:http, on a PortalStore.
 * Uploads stream straight into the store; views stream out of it; nothing is buffered whole.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { isStoreError, type StoreErrorReason } from './errors.js';
import { burnVerificationTime, verifyPassword } from './password.js';
import {
  HEADER_PUBLICATION,
  HEADER_ROWS,
  HEADER_SHA256,
  NDJSON_CONTENT_TYPE,
  PROTOCOL_VERSION,
  type BusinessMobileAuthRequest,
  type CommitRequest,
  type DataManagerAuthRequest,
  type ErrorResponse,
  type MobileLoginRequest,
  type OpenPublicationRequest,
  type UsersRequest,
} from './protocol.js';
import { schemaProblems, type PortalSchemaName } from './schemas.js';
import {
  COMPANY_CODE_PATTERN,
  PORTAL_SERVICES,
  type Clock,
  type DatasetPart,
  type PortalService,
  type PortalStore,
  type PortalUser,
} from './store.js';
import { LoginThrottle, TokenRegistry, type ThrottleOptions, type TokenGrant } from './tokens.js';

export interface PublisherAccounts {
  dataManager: { sageId: string; passwordHash: string }[];
  businessMobile: { customerNumber: string; passwordHash: string }[];
}

export interface PortalLogEntry {
  level: 'info' | 'warn' | 'error';
  event: string;
  message: string;
  method?: string;
  path?: string;
  status?: number;
  error?: unknown;
}

export interface PortalServerOptions {
  store: PortalStore;
  accounts: PublisherAccounts;
  host?: string;
  /** 0 picks a free port; `url` says which. */
  port?: number;
  clock?: Clock;
  /** Lifetime of publisher and mobile tokens. */
  tokenTtlSeconds?: number;
  limits?: {
    /** JSON request bodies (auth, open, commit, login). */
    jsonBodyBytes?: number;
    /** PUT /v1/users, which lists every user. */
    usersBodyBytes?: number;
  };
  loginThrottle?: ThrottleOptions;
  /** How often the store's cleanup runs (expired open publications, leftovers); 0 to never. */
  maintenanceIntervalMs?: number;
  /** Where the server reports what happened; it never writes to the console itself. */
  log?: (entry: PortalLogEntry) => void;
  /** Requests outside /v1 (a web dashboard); return false to answer 404. */
  handleOtherRequest?: (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;
}

export interface RunningPortalServer {
  /** Base URL, e.g. http://127.0.0.1:8123 (no trailing slash). */
  url: string;
  host: string;
  port: number;
  /**
   * Graceful shutdown: stops accepting connections, answers 503 with Retry-After to requests that still
   * arrive, lets requests in flight finish (at most `graceMs`, then cuts them), and resolves once closed.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Headers every portal response carries, API and dashboard alike. The API's own policy forbids everything
 * (its answers are JSON, never a page); the dashboard (src/portal/dashboard) sets its stricter page policy.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const DEFAULT_JSON_BODY_BYTES = 1024 * 1024;
const DEFAULT_USERS_BODY_BYTES = 16 * 1024 * 1024;
/** Rest of a refused upload we read and discard so the client can read our answer; beyond, we hang up. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
const DRAIN_LIMIT_MS = 5_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly hint?: string,
  ) {
    super(message);
  }
}

const STATUS_OF_REASON: Record<StoreErrorReason, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  verification: 422,
  'too-large': 413,
  busy: 503,
};

const unauthorized = (message = 'Missing, unknown or expired token; authenticate again.') =>
  new HttpError(401, 'unauthorized', message, { 'www-authenticate': 'Bearer realm="sbsync"' });
const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
/** One answer for every failed login, whichever part was wrong. */
const badCredentials = () => new HttpError(401, 'invalid-credentials', 'Invalid credentials.');

interface RequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  params: string[];
}

type Handler = (context: RequestContext) => Promise<void>;

interface Route {
  /** Literal segments, or ':' for a parameter. */
  pattern: string[];
  methods: Partial<Record<string, Handler>>;
}

export async function startPortalServer(options: PortalServerOptions): Promise<RunningPortalServer> {
  const { store, accounts } = options;
  const clock = options.clock ?? { now: () => new Date() };
  const tokens = new TokenRegistry(clock, options.tokenTtlSeconds ?? 3600);
  const throttle = new LoginThrottle(clock, options.loginThrottle ?? { maxFailures: 10, windowSeconds: 900 });
  const jsonBodyBytes = options.limits?.jsonBodyBytes ?? DEFAULT_JSON_BODY_BYTES;
  const usersBodyBytes = options.limits?.usersBodyBytes ?? DEFAULT_USERS_BODY_BYTES;
  const log = options.log ?? (() => undefined);
  /** Mobile tokens given back by a logout, until they would have expired anyway. */
  const revoked = new Map<string, number>();
  const tokenTtlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
  let shuttingDown = false;

  // ── responses ──

  function baseHeaders(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
      'content-security-policy': API_CSP,
      ...(shuttingDown ? { connection: 'close' } : {}),
      ...extra,
    };
  }

  function sendJson(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body);
    response.writeHead(
      status,
      baseHeaders({
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        ...headers,
      }),
    );
    response.end(text);
  }

  function sendError(response: ServerResponse, error: HttpError): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body: ErrorResponse = {
      error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
    };
    sendJson(response, error.status, body, error.headers);
  }

  function toHttpError(error: unknown): HttpError {
    if (error instanceof HttpError) return error;
    if (isStoreError(error)) {
      const status = STATUS_OF_REASON[error.reason];
      return new HttpError(
        status,
        error.detailCode,
        error.message,
        status === 503 ? { 'retry-after': '1' } : {},
        error.hint,
      );
    }
    return new HttpError(500, 'internal', 'The portal failed to handle this request; see its log.');
  }

  // ── requests ──

  async function readJson<T>(
    request: IncomingMessage,
    schema: PortalSchemaName,
    limit = jsonBodyBytes,
    emptyAs?: T,
  ): Promise<T> {
    const type = request.headers['content-type'];
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
      throw new HttpError(415, 'unsupported-media-type', `Expected Content-Type: application/json, got ${type}.`);
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit)
      throw new HttpError(413, 'body-too-large', `The request body is larger than ${limit} bytes.`, {
        connection: 'close',
      });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit)
        throw new HttpError(413, 'body-too-large', `The request body is larger than ${limit} bytes.`, {
          connection: 'close',
        });
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let value: unknown;
    if (text.trim() === '' && emptyAs !== undefined) value = emptyAs;
    else {
      try {
        value = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'invalid-json', 'The request body is not valid JSON.');
      }
    }
    const problems = schemaProblems(schema, value);
    if (problems.length > 0) throw new HttpError(400, 'invalid-body', `Invalid request body: ${problems.join('; ')}.`);
    return value as T;
  }

  function bearer(request: IncomingMessage): TokenGrant {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match?.[1];
    const grant = token !== undefined && !revoked.has(token) ? tokens.resolve(token) : undefined;
    if (!grant) throw unauthorized();
    return grant;
  }

  /** Logout: the token stops working at once (remembered until its own expiry, then forgotten). */
  function revoke(request: IncomingMessage): void {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const now = clock.now().getTime();
    for (const [known, until] of revoked) if (until <= now) revoked.delete(known);
    if (token !== undefined) revoked.set(token, now + tokenTtlMs);
  }

  function requirePublisher(
    request: IncomingMessage,
    service?: PortalService,
  ): Extract<TokenGrant, { kind: 'publisher' }> {
    const grant = bearer(request);
    if (grant.kind !== 'publisher') throw forbidden('This route is for publishers; mobile tokens cannot use it.');
    if (service !== undefined && grant.service !== service) {
      throw forbidden(`This token is for the ${grant.service} service, not ${service}.`);
    }
    return grant;
  }

  /** The mobile token's user as the store knows it now: permissions are re-read on every request. */
  async function requireMobileUser(
    request: IncomingMessage,
  ): Promise<{ grant: Extract<TokenGrant, { kind: 'mobile' }>; user: PortalUser }> {
    const grant = bearer(request);
    if (grant.kind !== 'mobile') throw forbidden('This route is for mobile users.');
    const user = await store.findUser(grant.login);
    if (!user || user.passwordHash !== grant.passwordHash)
      throw unauthorized('This user was removed or its password changed; log in again.');
    return { grant, user };
  }

  function serviceParam(value: string): PortalService {
    if (!(PORTAL_SERVICES as readonly string[]).includes(value))
      throw new HttpError(404, 'not-found', `No service ${value}; use data-manager or business-mobile.`);
    return value as PortalService;
  }

  function clientAddress(request: IncomingMessage): string {
    return `ip:${request.socket.remoteAddress ?? 'unknown'}`;
  }

  function checkThrottle(keys: string[]): void {
    const wait = throttle.retryAfterSeconds(keys);
    if (wait > 0) {
      throw new HttpError(429, 'too-many-attempts', `Too many failed logins; try again in ${wait} seconds.`, {
        'retry-after': String(wait),
      });
    }
  }

  async function publisherLogin(
    request: IncomingMessage,
    response: ServerResponse,
    service: PortalService,
    identity: string,
    password: string,
    passwordHash: string | undefined,
    account: string,
  ): Promise<void> {
    const identityKey = `${service}:${identity}`;
    const keys = [clientAddress(request), identityKey];
    checkThrottle(keys);
    const valid =
      passwordHash === undefined
        ? (await burnVerificationTime(password), false)
        : await verifyPassword(password, passwordHash);
    if (!valid) {
      throttle.recordFailure(keys);
      throw badCredentials();
    }
    throttle.recordSuccess(identityKey);
    const issued = tokens.issue({ kind: 'publisher', service, account });
    sendJson(response, 200, { ...issued, tokenType: 'Bearer', service });
  }

  /** Reads and discards the rest of a refused upload (within limits), so the client sees our answer. */
  function drainRequest(request: IncomingMessage): Promise<boolean> {
    if (request.complete) return Promise.resolve(true);
    return new Promise((resolve) => {
      let drained = 0;
      const finish = (complete: boolean) => {
        clearTimeout(timer);
        request.off('data', onData);
        request.off('end', onEnd);
        request.off('close', onClose);
        resolve(complete);
      };
      const onData = (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > DRAIN_LIMIT_BYTES) finish(false);
      };
      const onEnd = () => finish(true);
      const onClose = () => finish(request.complete);
      const timer = setTimeout(() => finish(false), DRAIN_LIMIT_MS);
      request.on('data', onData);
      request.once('end', onEnd);
      request.once('close', onClose);
      request.resume();
    });
  }

  // ── handlers ──

  async function upload({ request, response, params }: RequestContext, part: DatasetPart): Promise<void> {
    const [publicationId, name] = params as [string, string];
    try {
      const grant = requirePublisher(request);
      const publication = await store.describePublication(publicationId);
      if (!publication) throw new HttpError(404, 'unknown-publication', `No open publication ${publicationId}.`);
      if (publication.service !== grant.service)
        throw forbidden(`Publication ${publicationId} belongs to the ${publication.service} service.`);
      const encoding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
      if (encoding !== 'gzip') {
        throw new HttpError(
          415,
          'unsupported-encoding',
          'Dataset bodies must be gzip-compressed NDJSON sent with Content-Encoding: gzip.',
        );
      }
      const rowsHeader = String(request.headers[HEADER_ROWS] ?? '');
      const sha256 = String(request.headers[HEADER_SHA256] ?? '')
        .trim()
        .toLowerCase();
      if (!/^\d{1,16}$/.test(rowsHeader) || !/^[0-9a-f]{64}$/.test(sha256)) {
        throw new HttpError(
          400,
          'invalid-announcement',
          `Uploads need ${HEADER_ROWS} (the row count) and ${HEADER_SHA256} (the SHA-256 of the gzip body, 64 hex digits).`,
        );
      }
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > store.limits.maxStoredBytes) {
        throw new HttpError(413, 'upload-too-large', `Uploads are limited to ${store.limits.maxStoredBytes} bytes.`);
      }
      const body = request.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
      const uploaded = await store.putDataset(publicationId, name, { rows: Number(rowsHeader), sha256, part }, body);
      sendJson(response, 200, uploaded);
    } catch (error) {
      if (request.destroyed && !request.complete) {
        // The client went away mid-upload: the store discarded the partial file; nobody reads an answer.
        throw new HttpError(400, 'upload-interrupted', 'The upload was interrupted by the client.', {
          connection: 'close',
        });
      }
      const complete = await drainRequest(request);
      const httpError = toHttpError(error);
      if (!complete) httpError.headers['connection'] = 'close';
      throw httpError;
    }
  }

  async function publicationOf(request: IncomingMessage, publicationId: string) {
    const grant = requirePublisher(request);
    const publication = await store.describePublication(publicationId);
    if (publication && publication.service !== grant.service)
      throw forbidden(`Publication ${publicationId} belongs to the ${publication.service} service.`);
    return publication;
  }

  async function streamView(
    response: ServerResponse,
    request: IncomingMessage,
    company: string,
    viewId: string,
  ): Promise<void> {
    const opened = await store.openView(company, viewId);
    if (!opened) throw new HttpError(404, 'view-not-published', `View ${viewId} is not published for ${company}.`);
    const gzip = /\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? ''));
    const head = {
      company,
      id: viewId,
      publicationId: opened.publication.publicationId,
      publishedAt: opened.publication.committedAt,
      meta: opened.dataset.meta ?? {},
    };
    async function* body(): AsyncGenerator<string> {
      yield `${JSON.stringify(head).slice(0, -1)},"rows":[`;
      let batch = '';
      let first = true;
      for await (const line of opened!.lines()) {
        batch += first ? line : `,${line}`;
        first = false;
        if (batch.length >= 64 * 1024) {
          yield batch;
          batch = '';
        }
      }
      yield `${batch}]}`;
    }
    response.writeHead(
      200,
      baseHeaders({
        'content-type': 'application/json; charset=utf-8',
        vary: 'accept-encoding',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      }),
    );
    const source = Readable.from(body());
    await (gzip ? pipeline(source, createGzip(), response) : pipeline(source, response));
  }

  const routes: Route[] = [
    {
      pattern: ['health'],
      methods: { GET: async ({ response }) => sendJson(response, 200, { status: 'ok', protocol: PROTOCOL_VERSION }) },
    },
    {
      pattern: ['auth', 'data-manager'],
      methods: {
        POST: async ({ request, response }) => {
          const body = await readJson<DataManagerAuthRequest>(request, 'auth-data-manager.request');
          const sageId = body.sageId.trim().toLowerCase();
          const account = accounts.dataManager.find((candidate) => candidate.sageId.trim().toLowerCase() === sageId);
          await publisherLogin(
            request,
            response,
            'data-manager',
            sageId,
            body.password,
            account?.passwordHash,
            `sage-id:${sageId}`,
          );
        },
      },
    },
    {
      pattern: ['auth', 'business-mobile'],
      methods: {
        POST: async ({ request, response }) => {
          const body = await readJson<BusinessMobileAuthRequest>(request, 'auth-business-mobile.request');
          const number = body.customerNumber.trim();
          const account = accounts.businessMobile.find((candidate) => candidate.customerNumber.trim() === number);
          await publisherLogin(
            request,
            response,
            'business-mobile',
            number,
            body.password,
            account?.passwordHash,
            `customer:${number}`,
          );
        },
      },
    },
    {
      pattern: ['companies', ':', ':', 'publications'],
      methods: {
        POST: async ({ request, response, params }) => {
          const [company, serviceText] = params as [string, string];
          const service = serviceParam(serviceText);
          requirePublisher(request, service);
          const body = await readJson<OpenPublicationRequest>(request, 'publication-open.request', jsonBodyBytes, {});
          const opened = await store.openPublication({
            company,
            service,
            mode: body.mode ?? 'full',
            basePublicationId: body.basePublicationId ?? null,
            ...(body.meta ? { meta: body.meta } : {}),
          });
          sendJson(response, 201, opened, { location: `/v1/publications/${opened.publicationId}` });
        },
      },
    },
    {
      pattern: ['companies', ':', ':', 'publication'],
      methods: {
        GET: async ({ request, response, params }) => {
          const [company, serviceText] = params as [string, string];
          const service = serviceParam(serviceText);
          requirePublisher(request, service);
          const manifest = await store.currentPublication(company, service);
          if (!manifest) throw new HttpError(404, 'not-published', `Nothing is published for ${company} ${service}.`);
          sendJson(response, 200, manifest);
        },
        DELETE: async ({ request, response, params }) => {
          const [company, serviceText] = params as [string, string];
          const service = serviceParam(serviceText);
          requirePublisher(request, service);
          await store.unpublish(company, service);
          response.writeHead(204, baseHeaders()).end();
        },
      },
    },
    {
      pattern: ['companies', ':', ':', 'publication', 'datasets', ':'],
      methods: {
        GET: async ({ request, response, params }) => {
          const [company, serviceText, name] = params as [string, string, string];
          const service = serviceParam(serviceText);
          requirePublisher(request, service);
          const opened = await store.openDataset(company, service, name);
          if (!opened)
            throw new HttpError(404, 'not-published', `Dataset ${name} is not published for ${company} ${service}.`);
          response.writeHead(
            200,
            baseHeaders({
              'content-type': NDJSON_CONTENT_TYPE,
              'content-encoding': 'gzip',
              'content-length': String(opened.dataset.storedBytes),
              [HEADER_ROWS]: String(opened.dataset.rows),
              [HEADER_SHA256]: opened.dataset.sha256,
              [HEADER_PUBLICATION]: opened.publication.publicationId,
            }),
          );
          await pipeline(opened.gzipStream(), response);
        },
      },
    },
    {
      pattern: ['companies', ':'],
      methods: {
        DELETE: async ({ request, response, params }) => {
          requirePublisher(request);
          await store.removeCompany(params[0] as string);
          response.writeHead(204, baseHeaders()).end();
        },
      },
    },
    {
      pattern: ['publications', ':'],
      methods: {
        DELETE: async ({ request, response, params }) => {
          const publicationId = params[0] as string;
          await publicationOf(request, publicationId);
          await store.abortPublication(publicationId);
          response.writeHead(204, baseHeaders()).end();
        },
      },
    },
    {
      pattern: ['publications', ':', 'datasets', ':'],
      methods: { PUT: (context) => upload(context, 'rows') },
    },
    {
      pattern: ['publications', ':', 'datasets', ':', 'deletions'],
      methods: { PUT: (context) => upload(context, 'deletions') },
    },
    {
      pattern: ['publications', ':', 'commit'],
      methods: {
        POST: async ({ request, response, params }) => {
          const publicationId = params[0] as string;
          const publication = await publicationOf(request, publicationId);
          if (!publication) throw new HttpError(404, 'unknown-publication', `No open publication ${publicationId}.`);
          const body = await readJson<CommitRequest>(request, 'publication-commit.request');
          sendJson(response, 200, await store.commitPublication(publicationId, body));
        },
      },
    },
    {
      pattern: ['users'],
      methods: {
        PUT: async ({ request, response }) => {
          requirePublisher(request, 'business-mobile');
          const body = await readJson<UsersRequest>(request, 'users.request', usersBodyBytes);
          await store.putUsers(body.users);
          sendJson(response, 200, { users: body.users.length });
        },
      },
    },
    {
      pattern: ['mobile', 'login'],
      methods: {
        POST: async ({ request, response }) => {
          const body = await readJson<MobileLoginRequest>(request, 'mobile-login.request');
          const company = body.company.trim().toUpperCase();
          const identityKey = `mobile:${company}:${body.login.trim().toLowerCase()}`;
          const keys = [clientAddress(request), identityKey];
          checkThrottle(keys);
          const user = COMPANY_CODE_PATTERN.test(company) ? await store.findUser(body.login.trim()) : undefined;
          const allowed = user !== undefined && Object.hasOwn(user.views, company);
          const valid = allowed
            ? await verifyPassword(body.password, user.passwordHash)
            : (await burnVerificationTime(body.password), false);
          if (!valid || !user) {
            throttle.recordFailure(keys);
            throw badCredentials();
          }
          throttle.recordSuccess(identityKey);
          const issued = tokens.issue({ kind: 'mobile', company, login: user.login, passwordHash: user.passwordHash });
          sendJson(response, 200, { ...issued, tokenType: 'Bearer', company, login: user.login, name: user.name });
        },
      },
    },
    {
      pattern: ['mobile', 'logout'],
      methods: {
        POST: async ({ request, response }) => {
          await requireMobileUser(request);
          revoke(request);
          response.writeHead(204, baseHeaders()).end();
        },
      },
    },
    {
      pattern: ['mobile', 'views'],
      methods: {
        GET: async ({ request, response }) => {
          const { grant, user } = await requireMobileUser(request);
          const publication = await store.currentPublication(grant.company, 'business-mobile');
          const datasets = publication?.datasets ?? [];
          const permitted = new Set(
            permittedViewIds(
              user,
              grant.company,
              datasets.map((dataset) => dataset.name),
            ),
          );
          const views = datasets
            .filter((dataset) => permitted.has(dataset.name))
            .map((dataset) => ({ id: dataset.name, rows: dataset.rows, meta: dataset.meta ?? {} }));
          sendJson(response, 200, {
            company: grant.company,
            publicationId: publication?.publicationId ?? null,
            publishedAt: publication?.committedAt ?? null,
            views,
          });
        },
      },
    },
    {
      pattern: ['mobile', 'views', ':'],
      methods: {
        GET: async ({ request, response, params }) => {
          const viewId = params[0] as string;
          const { grant, user } = await requireMobileUser(request);
          if (permittedViewIds(user, grant.company, [viewId]).length === 0)
            throw forbidden(`You are not allowed to see view ${viewId} of ${grant.company}.`);
          // The company comes from the token, never from the request: a token reads one company only.
          await streamView(response, request, grant.company, viewId);
        },
      },
    },
  ];

  function match(segments: string[]): { route: Route; params: string[] } | undefined {
    for (const route of routes) {
      if (route.pattern.length !== segments.length) continue;
      const params: string[] = [];
      if (
        route.pattern.every((part, index) => {
          const segment = segments[index] as string;
          if (part === ':') {
            params.push(segment);
            return true;
          }
          return part === segment;
        })
      ) {
        return { route, params };
      }
    }
    return undefined;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://portal.invalid');
    const method = request.method ?? 'GET';
    if (shuttingDown) {
      throw new HttpError(503, 'shutting-down', 'The portal is shutting down; try again shortly.', {
        'retry-after': '5',
        connection: 'close',
      });
    }
    if (!url.pathname.startsWith('/v1/')) {
      if (options.handleOtherRequest && (await options.handleOtherRequest(request, response))) return;
      if (/^\/v\d+\//.test(url.pathname))
        throw new HttpError(404, 'unsupported-version', `This portal speaks protocol ${PROTOCOL_VERSION} only.`);
      throw new HttpError(404, 'not-found', `No such resource: ${url.pathname}.`);
    }
    let segments: string[];
    try {
      segments = url.pathname.slice('/v1/'.length).split('/').map(decodeURIComponent);
    } catch {
      throw new HttpError(400, 'invalid-path', 'The request path is not valid percent-encoding.');
    }
    const found = match(segments);
    if (!found) throw new HttpError(404, 'not-found', `No such resource: ${url.pathname}.`);
    const handler = found.route.methods[method];
    if (!handler) {
      throw new HttpError(405, 'method-not-allowed', `${method} is not allowed on ${url.pathname}.`, {
        allow: Object.keys(found.route.methods).join(', '),
      });
    }
    await handler({ request, response, params: found.params });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(async (error: unknown) => {
      const httpError = toHttpError(error);
      if (httpError.status >= 500 && httpError.code === 'internal') {
        log({
          level: 'error',
          event: 'request-failed',
          message: (error as Error)?.message ?? String(error),
          method: request.method,
          path: request.url,
          error,
        });
      }
      // A body we did not read (an early refusal) would otherwise be parsed as the next request.
      if (!request.complete && httpError.headers['connection'] === undefined) {
        if (!(await drainRequest(request))) httpError.headers['connection'] = 'close';
      }
      sendError(response, httpError);
    });
  });
  // Uploads of big datasets take time; only idle connections are timed out.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;
  log({ level: 'info', event: 'listening', message: `Portal listening on ${url}` });

  const maintenanceIntervalMs = options.maintenanceIntervalMs ?? 3600_000;
  const maintenance =
    maintenanceIntervalMs > 0
      ? setInterval(() => {
          store
            .cleanup()
            .catch((error: unknown) => log({ level: 'warn', event: 'cleanup-failed', message: String(error), error }));
        }, maintenanceIntervalMs)
      : undefined;
  maintenance?.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    host: address.address,
    port: address.port,
    close({ graceMs = 30_000 } = {}) {
      closing ??= new Promise<void>((resolve, reject) => {
        shuttingDown = true;
        if (maintenance) clearInterval(maintenance);
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        cut.unref();
        server.close((error) => {
          clearTimeout(cut);
          log({ level: 'info', event: 'closed', message: 'Portal stopped.' });
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** Which of `published` view ids a user may see for a company: the one permission rule of the portal. */
export function permittedViewIds(user: PortalUser, company: string, published: readonly string[]): string[] {
  const permission = Object.hasOwn(user.views, company) ? user.views[company] : undefined;
  if (permission === 'all') return [...published];
  if (!Array.isArray(permission)) return [];
  return published.filter((id) => permission.includes(id));
}

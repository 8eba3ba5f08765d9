/** The `https://` transport: the portal protocol (docs/portal-protocol.md) over HTTP with undici. */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { SpentBuffers } from '../memory.js';
import type { Dispatcher } from 'undici';
import { AuthError, OperationError } from '../errors.js';
import type { ResolvedPortal } from '../config/resolve.js';
import type { CommitInput, OpenedPublication, OpenPublicationInput, PortalService, PortalUser, PublicationManifest, UploadedDataset } from '../portal/store.js';
import { HEADER_ROWS, HEADER_SHA256, NDJSON_CONTENT_TYPE, portalPaths } from '../portal/protocol.js';
import { httpRequest, PortalAuthError, PortalHttpError, type HttpDeps, type HttpRequest, type HttpResponse } from './http.js';
import type { PortalTransport } from './transport.js';


/** A spooled dataset's bytes, in large reads whose spent buffers are released as the upload goes (memory.ts). */
async function* spooledBytes(file: string): AsyncGenerator<Buffer> {
  // Gzip bytes: every byte read is a byte spent, so release more often than the spool does.
  const spent = new SpentBuffers(4 * 1024 * 1024);
  for await (const chunk of createReadStream(file, { highWaterMark: 128 * 1024 }) as AsyncIterable<Buffer>) {
    yield chunk;
    spent.add(chunk.length);
  }
}

export interface HttpTransportDeps extends Omit<HttpDeps, 'timeoutMs' | 'retry' | 'dispatcher'> {
  dispatcher: Dispatcher;
  /** Backoff base for retries; tests shorten it. */
  baseDelayMs?: number;
}

export function createHttpTransport(portal: ResolvedPortal, deps: HttpTransportDeps): PortalTransport {
  const base = portal.url.replace(/\/+$/, '');
  const http: HttpDeps = {
    ...deps,
    timeoutMs: portal.timeoutSeconds * 1000,
    retry: { retries: portal.retries, baseDelayMs: deps.baseDelayMs ?? 1000, maxDelayMs: 60_000 },
  };
  /**
   * One login per service, shared: concurrent requests (two uploads at once) wait for the same login, and a
   * token the portal refuses is dropped only by the first request that finds it refused — the other one then
   * uses the new login instead of starting another.
   */
  const logins = new Map<PortalService, Promise<string>>();
  const login = (service: PortalService): Promise<string> => {
    const started = authenticate(service);
    logins.set(service, started);
    // A refused login is not kept: the next request tries again (and reports the refusal itself).
    started.catch(() => {
      if (logins.get(service) === started) logins.delete(service);
    });
    return started;
  };
  /** Company and service of each publication this run opened: its token authorises the follow-up requests. */
  const opened = new Map<string, { company: string; service: PortalService }>();

  const call = async (service: PortalService | undefined, req: Omit<HttpRequest, 'url'> & { path: string }): Promise<HttpResponse> => {
    const send = async (token: Promise<string> | undefined) => {
      const headers: Record<string, string> = { ...req.headers };
      if (token) headers.authorization = `Bearer ${await token}`;
      return httpRequest({ ...req, url: `${base}${req.path}`, headers }, http);
    };
    const held = service ? logins.get(service) : undefined;
    const token = service ? (held ?? login(service)) : undefined;
    try {
      return await send(token);
    } catch (error) {
      // A token that expired during a long run: log in again once, then repeat the request.
      if (service && held && error instanceof PortalAuthError && error.status === 401) {
        const current = logins.get(service);
        return send(current !== undefined && current !== held ? current : login(service));
      }
      throw error;
    }
  };

  async function authenticate(service: PortalService): Promise<string> {
    const body =
      service === 'data-manager'
        ? portal.dataManager && { sageId: portal.dataManager.sageId, password: portal.dataManager.password }
        : portal.businessMobile && { customerNumber: portal.businessMobile.customerNumber, password: portal.businessMobile.password };
    if (!body) {
      const key = service === 'data-manager' ? 'dataManager' : 'businessMobile';
      throw new AuthError(`no ${service} credentials for ${base}`, { hint: `Add portal.${key} to the config.` });
    }
    let response;
    try {
      response = await httpRequest({ method: 'POST', url: `${base}${portalPaths.auth(service)}`, json: body }, http);
    } catch (error) {
      if (error instanceof PortalAuthError) {
        const who = 'sageId' in body ? `Sage ID ${body.sageId}` : `customer number ${body.customerNumber}`;
        throw new AuthError(`the portal ${base} refused the ${service} login for ${who}`, {
          hint: `Check portal.${service === 'data-manager' ? 'dataManager' : 'businessMobile'} in the config (the password is wrong, or the account is unknown to the portal).`,
          cause: error,
        });
      }
      throw error;
    }
    const token = (response.json as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string') throw new OperationError(`the portal ${base} answered the ${service} login without a token`);
    return token;
  }

  const openedBy = (publicationId: string) => {
    const entry = opened.get(publicationId);
    if (!entry) throw new OperationError(`publication ${publicationId} was not opened by this run`);
    return entry;
  };
  const serviceFor = (publicationId: string): PortalService => openedBy(publicationId).service;

  const currentPublication = async (company: string, service: PortalService) => {
    const r = await call(service, { method: 'GET', path: portalPaths.currentPublication(company, service), accept: [404] });
    return r.status === 404 ? undefined : (r.json as PublicationManifest);
  };

  return {
    address: base,
    async authenticate(service) {
      await login(service);
    },
    async openPublication(input: OpenPublicationInput) {
      const r = await call(input.service, {
        method: 'POST',
        path: portalPaths.openPublication(input.company, input.service),
        json: { mode: input.mode ?? 'full', basePublicationId: input.basePublicationId ?? null, meta: input.meta ?? {} },
      });
      const publication = r.json as OpenedPublication;
      opened.set(publication.publicationId, { company: input.company, service: input.service });
      return publication;
    },
    async upload(publicationId, dataset, part = 'rows', signal) {
      const r = await call(serviceFor(publicationId), {
        method: 'PUT',
        ...(signal ? { signal } : {}),
        path: part === 'deletions' ? portalPaths.deletions(publicationId, dataset.name) : portalPaths.dataset(publicationId, dataset.name),
        headers: {
          'content-type': NDJSON_CONTENT_TYPE,
          'content-encoding': 'gzip',
          'content-length': String(dataset.storedBytes),
          [HEADER_ROWS]: String(dataset.rows),
          [HEADER_SHA256]: dataset.sha256,
        },
        // A fresh stream per attempt: a retried upload re-sends the same spooled bytes.
        body: () => Readable.from(spooledBytes(dataset.file)),
      });
      return r.json as UploadedDataset;
    },
    async commit(publicationId, input: CommitInput) {
      const { company, service } = openedBy(publicationId);
      try {
        const r = await call(service, { method: 'POST', path: portalPaths.commit(publicationId), json: input });
        return r.json as PublicationManifest;
      } catch (error) {
        // A commit whose answer was lost and was retried finds the publication already committed: that is success.
        if (error instanceof PortalHttpError && error.status === 409 && error.portalCode === 'already-committed') {
          const current = await currentPublication(company, service);
          if (current?.publicationId === publicationId) return current;
        }
        throw error;
      }
    },
    async abort(publicationId) {
      await call(serviceFor(publicationId), { method: 'DELETE', path: portalPaths.publication(publicationId), accept: [404], evenIfInterrupted: true });
    },
    currentPublication,
    async unpublish(company, service) {
      await call(service, { method: 'DELETE', path: portalPaths.currentPublication(company, service), accept: [404] });
    },
    async removeCompany(company) {
      const service: PortalService = portal.dataManager ? 'data-manager' : 'business-mobile';
      await call(service, { method: 'DELETE', path: portalPaths.company(company), accept: [404] });
    },
    async putUsers(users: PortalUser[]) {
      await call('business-mobile', { method: 'PUT', path: portalPaths.users(), json: { users } });
    },
    async close() {
      logins.clear();
    },
  };
}

/** The `file:` transport: the reference portal's store, opened directly on a local directory. */
import { createReadStream } from 'node:fs';
import { openStore, PortalStore } from '../portal/store.js';
import { PortalStoreError } from '../portal/errors.js';
import { PortalError } from '../errors.js';
import type { PortalTransport } from './transport.js';

/** Store errors become PortalErrors naming the directory, so messages read the same as over HTTP. */
async function translated<T>(directory: string, action: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof PortalStoreError) {
      throw new PortalError(`local portal ${directory}: ${action} failed: ${error.message}`, { ...(error.hint ? { hint: error.hint } : {}), cause: error });
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'ENOSPC' || code === 'EROFS') {
      throw new PortalError(`local portal ${directory}: ${action} failed (${code})`, {
        hint: code === 'ENOSPC' ? 'The disk is full.' : 'Give this account write access to the folder, or change portal.url.',
        cause: error,
      });
    }
    throw error;
  }
}

export async function openFileTransport(directory: string): Promise<PortalTransport> {
  const store: PortalStore = await translated(directory, 'opening the store', () => openStore({ root: directory }));
  return {
    address: `file:${directory}`,
    authenticate: async () => undefined,
    openPublication: (input) => translated(directory, 'opening a publication', () => store.openPublication(input)),
    upload: (publicationId, dataset, part = 'rows', signal) =>
      translated(directory, `storing ${dataset.name}`, () =>
        store.putDataset(publicationId, dataset.name, { rows: dataset.rows, sha256: dataset.sha256, part }, createReadStream(dataset.file, signal ? { signal } : {})),
      ),
    commit: (publicationId, input) => translated(directory, 'committing', () => store.commitPublication(publicationId, input)),
    abort: (publicationId) => translated(directory, 'aborting', () => store.abortPublication(publicationId)),
    currentPublication: (company, service) => translated(directory, 'reading the current publication', () => store.currentPublication(company, service)),
    unpublish: (company, service) => translated(directory, 'unpublishing', () => store.unpublish(company, service)),
    removeCompany: (company) => translated(directory, 'removing the company', () => store.removeCompany(company)),
    putUsers: (users) => translated(directory, 'storing the users', () => store.putUsers(users)),
    close: async () => undefined,
  };
}

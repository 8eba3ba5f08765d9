/**
 * A portal as the publisher sees it: the protocol's operations, whatever carries them — HTTP to a portal
 * server, or the portal's own store on a local directory (`file:`). Both give the same guarantees
 * (verified uploads, atomic commit), because the file transport *is* the store the server uses.
 */
import type { CommitInput, OpenPublicationInput, OpenedPublication, PortalService, PortalUser, PublicationManifest, UploadedDataset } from '../portal/store.js';
import type { SpooledDataset } from './spool.js';

export type { PortalService, PortalUser, PublicationManifest };

export interface PortalTransport {
  /** For messages: `file:/abs/dir` or the https URL (never credentials). */
  readonly address: string;
  /** Logs in to one service; throws AuthError when refused. A no-op for local directories. */
  authenticate(service: PortalService): Promise<void>;
  openPublication(input: OpenPublicationInput): Promise<OpenedPublication>;
  /** `signal` cancels this upload alone (another upload of the publication failed); the publication stays open. */
  upload(publicationId: string, dataset: SpooledDataset, part?: 'rows' | 'deletions', signal?: AbortSignal): Promise<UploadedDataset>;
  commit(publicationId: string, input: CommitInput): Promise<PublicationManifest>;
  abort(publicationId: string): Promise<void>;
  currentPublication(company: string, service: PortalService): Promise<PublicationManifest | undefined>;
  unpublish(company: string, service: PortalService): Promise<void>;
  removeCompany(company: string): Promise<void>;
  putUsers(users: PortalUser[]): Promise<void>;
  close(): Promise<void>;
}

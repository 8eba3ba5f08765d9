/**
 * Portal protocol v1: paths, headers and wire bodies shared by the reference portal and the publisher's
 * HTTP client. The full contract, with status codes and guarantees, is docs/portal-protocol.md; the JSON
 * Schemas of every body are schema/portal/*.json.
 */
import type {
  ManifestDataset,
  OpenedPublication,
  PortalService,
  PublicationManifest,
  PublicationMode,
  UploadedDataset,
  ViewPermission,
} from './store.js';

export const PROTOCOL_VERSION = 'v1';
export const PROTOCOL_PREFIX = '/v1';

/** Upload headers (lower case, as node:http exposes them). */
export const HEADER_ROWS = 'x-sbsync-rows';
export const HEADER_SHA256 = 'x-sbsync-sha256';
/** On dataset downloads: which publication the bytes belong to. */
export const HEADER_PUBLICATION = 'x-sbsync-publication';
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

const segment = encodeURIComponent;

/** Paths relative to the portal's base URL (which may itself have a path prefix). */
export const portalPaths = {
  health: () => `${PROTOCOL_PREFIX}/health`,
  auth: (service: PortalService) => `${PROTOCOL_PREFIX}/auth/${service}`,
  openPublication: (company: string, service: PortalService) =>
    `${PROTOCOL_PREFIX}/companies/${segment(company)}/${service}/publications`,
  currentPublication: (company: string, service: PortalService) =>
    `${PROTOCOL_PREFIX}/companies/${segment(company)}/${service}/publication`,
  currentDataset: (company: string, service: PortalService, name: string) =>
    `${PROTOCOL_PREFIX}/companies/${segment(company)}/${service}/publication/datasets/${segment(name)}`,
  company: (company: string) => `${PROTOCOL_PREFIX}/companies/${segment(company)}`,
  publication: (publicationId: string) => `${PROTOCOL_PREFIX}/publications/${segment(publicationId)}`,
  dataset: (publicationId: string, name: string) =>
    `${PROTOCOL_PREFIX}/publications/${segment(publicationId)}/datasets/${segment(name)}`,
  deletions: (publicationId: string, name: string) =>
    `${PROTOCOL_PREFIX}/publications/${segment(publicationId)}/datasets/${segment(name)}/deletions`,
  commit: (publicationId: string) => `${PROTOCOL_PREFIX}/publications/${segment(publicationId)}/commit`,
  users: () => `${PROTOCOL_PREFIX}/users`,
  mobileLogin: () => `${PROTOCOL_PREFIX}/mobile/login`,
  mobileViews: () => `${PROTOCOL_PREFIX}/mobile/views`,
  mobileView: (viewId: string) => `${PROTOCOL_PREFIX}/mobile/views/${segment(viewId)}`,
} as const;

// ── request bodies ──

export interface DataManagerAuthRequest {
  sageId: string;
  password: string;
}
export interface BusinessMobileAuthRequest {
  customerNumber: string;
  password: string;
}
export interface OpenPublicationRequest {
  mode?: PublicationMode;
  basePublicationId?: string | null;
  meta?: Record<string, unknown>;
}
export interface CommitRequest {
  datasets: {
    name: string;
    rows: number;
    sha256: string;
    keys?: string[];
    deletions?: { rows: number; sha256: string };
    meta?: Record<string, unknown>;
  }[];
}
export interface UsersRequest {
  users: { login: string; name: string; passwordHash: string; views: Record<string, ViewPermission> }[];
}
export interface MobileLoginRequest {
  company: string;
  login: string;
  password: string;
}

// ── response bodies ──

export interface AuthResponse {
  token: string;
  tokenType: 'Bearer';
  expiresAt: string;
  service: PortalService;
}
export type OpenPublicationResponse = OpenedPublication;
export type UploadResponse = UploadedDataset;
export type PublicationResponse = PublicationManifest;
export interface UsersResponse {
  users: number;
}
export interface MobileLoginResponse {
  token: string;
  tokenType: 'Bearer';
  expiresAt: string;
  company: string;
  login: string;
  name: string;
}
export interface MobileViewSummary {
  id: string;
  rows: number;
  meta: Record<string, unknown>;
}
export interface MobileViewsResponse {
  company: string;
  publicationId: string | null;
  publishedAt: string | null;
  views: MobileViewSummary[];
}
/** Streamed by the portal; `rows` are the view's NDJSON rows in order. */
export interface MobileViewResponse {
  company: string;
  id: string;
  publicationId: string;
  publishedAt: string;
  meta: Record<string, unknown>;
  rows: Record<string, unknown>[];
}
export interface HealthResponse {
  status: 'ok';
  protocol: typeof PROTOCOL_VERSION;
}
export interface ErrorResponse {
  error: {
    code: string;
    message: string;
    hint?: string;
  };
}

export type { ManifestDataset };

/**
 * When the Business Mobile views need not be computed again: the last committed publication of a company's
 * views was made from the same replica data (ReplicaFile.dataVersion), for the same day and views, by the same
 * sbsync version, and the portal still shows it. Then a run publishes nothing and says "up to date", as Data
 * Manager does when no row changed (the views of the 1M-line demo take seconds to compute).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ViewsMarker {
  readonly publicationId: string;
  /** viewsKey() of what that publication was computed from. */
  readonly key: string;
  readonly committedAt: string;
}

export interface ViewsInputs {
  readonly asOf: string;
  readonly views: readonly string[];
  readonly dataVersion: string;
  readonly version: string;
}

export function viewsKey(inputs: ViewsInputs): string {
  return createHash('sha256').update(JSON.stringify([inputs.version, inputs.asOf, [...inputs.views].sort(), inputs.dataVersion])).digest('hex');
}

const markerFile = (stateDir: string) => path.join(stateDir, 'business-mobile.json');

export async function readViewsMarker(stateDir: string): Promise<ViewsMarker | undefined> {
  try {
    const marker = JSON.parse(await readFile(markerFile(stateDir), 'utf8')) as Partial<ViewsMarker>;
    return typeof marker.publicationId === 'string' && typeof marker.key === 'string' ? (marker as ViewsMarker) : undefined;
  } catch {
    return undefined; // none yet, or unreadable: the views are computed again, which is always right
  }
}

export async function writeViewsMarker(stateDir: string, marker: ViewsMarker): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = markerFile(stateDir);
  await writeFile(`${file}.tmp`, `${JSON.stringify(marker)}\n`);
  await rename(`${file}.tmp`, file);
}

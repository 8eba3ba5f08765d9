/** What a table's sync did, in one line for the journal and the terminal (French, as the administrator reads it). */
import { counted, frenchCount } from '../text.js';
import type { TableSyncResult } from './sync-table.js';


export function describeTableSync(r: TableSyncResult): string {
  const secs = (r.ms / 1000).toLocaleString('fr-FR', { maximumFractionDigits: 1 });
  switch (r.action) {
    case 'missing':
      return `${r.table}: absente de la base Sage`;
    case 'dropped':
      return `${r.table}: absente de la base Sage, retirée de la réplique`;
    case 'unchanged':
      return `${r.table}: inchangée (${counted(r.rowCount, 'ligne', 'lignes')}, ${secs} s)`;
    case 'updated':
      return `${r.table}: ${counted(r.inserted, 'ligne ajoutée', 'lignes ajoutées')}, ${counted(r.updated, 'modifiée', 'modifiées')}, ${counted(r.deleted, 'supprimée', 'supprimées')} (${secs} s)`;
    default: {
      const why = r.reason === 'columns-changed' ? ', colonnes changées' : r.reason === 'requested' ? ', à la demande' : '';
      const verb = r.action === 'resumed' ? 'copie reprise' : r.action === 'rebuilt' ? 'reconstruite' : 'copiée';
      return `${r.table}: ${verb}${why}, ${counted(r.rowsRead, 'ligne lue', 'lignes lues')} en ${secs} s`;
    }
  }
}


/**
 * The progress line of a table being copied: rows so far, rate and time left (`F_ECRITUREC 120 000 /
 * 1 000 031 lignes, 45 000 lignes/s, reste 20 s`). One per sync; `start` is called as each table begins.
 */
export class SyncProgressText {
  private started = 0;

  constructor(private readonly now: () => number = Date.now) {}

  start(): void {
    this.started = this.now();
  }

  text(table: string, read: number, expected: number): string {
    const seconds = (this.now() - this.started) / 1000;
    const head = `${table} ${frenchCount(read)} / ${counted(expected, 'ligne', 'lignes')}`;
    if (seconds < 1 || read === 0) return head;
    const rate = read / seconds;
    const left = Math.max(0, expected - read) / rate;
    return `${head}, ${frenchCount(Math.round(rate))} lignes/s, reste ${left < 60 ? `${Math.ceil(left)} s` : `${Math.ceil(left / 60)} min`}`;
  }
}

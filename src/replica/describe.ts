/** What a table's sync did, in one line for the journal and the terminal (French, as the administrator reads it). */
import type { TableSyncResult } from './sync-table.js';

const rowsText = (n: number) => n.toLocaleString('fr-FR');
/** French agreement: 0 and 1 take the singular. */
const counted = (n: number, singular: string, plural: string) => `${rowsText(n)} ${Math.abs(n) < 2 ? singular : plural}`;

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


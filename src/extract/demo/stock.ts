/**
 * F_ARTSTOCK: quantity and value per item × warehouse as of `today`. Quantities are sized from what was
 * sold (about one to three months of sales on hand); about one item in ten sits below its minimum, so the
 * stock-shortage view has something to show. Reserved and ordered quantities are the open customer and
 * supplier orders left by the flows.
 */
import { formatStoredDatetime } from '../sage/calendar.js';
import { USERS, type MasterData } from './master.js';
import type { FlowResult } from './flows.js';
import type { Random } from './random.js';
import type { DemoWriter } from './writer.js';

export function writeStock(
  writer: DemoWriter,
  random: Random,
  master: MasterData,
  flows: FlowResult,
  monthsOfHistory: number,
  today: number,
): void {
  const insert = writer.inserter('F_ARTSTOCK', [
    'AR_Ref', 'DE_No', 'AS_QteMini', 'AS_QteMaxi', 'AS_MontSto', 'AS_QteSto', 'AS_QteRes', 'AS_QteCom', 'AS_Principal', 'AS_Mouvemente',
  ]);
  const depots = master.depots.length;
  for (const item of master.items) {
    if (!item.stocked) continue;
    const monthly = (flows.soldQty[item.index] ?? 0) / Math.max(1, monthsOfHistory);
    for (let d = 0; d < depots; d++) {
      // The main warehouse stocks everything; the branches about a third of the range.
      if (d > 0 && !random.chance(0.35)) continue;
      const share = d === 0 ? 1 : 0.3;
      const minimum = Math.max(1, Math.round(monthly * share * 0.6));
      const maximum = Math.max(minimum + 2, Math.round(monthly * share * 3));
      const quantity = random.chance(0.1) ? random.int(0, minimum - 1) : random.int(minimum, maximum);
      const slot = item.index * depots + d;
      const modified = formatStoredDatetime(today - random.int(0, 20), 9 * 3600 + random.int(0, 9 * 3600));
      insert(
        [
          item.ref, d + 1, minimum, maximum, (quantity * item.costCents) / 100, quantity, flows.reservedQty[slot] ?? 0,
          flows.orderedQty[slot] ?? 0, d === 0 ? 1 : 0, 1,
        ],
        { user: USERS.purchasing, created: formatStoredDatetime(today - 900, 9 * 3600), modified },
      );
    }
  }
}

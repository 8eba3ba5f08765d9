/** memory.ts: spent Buffer bytes trigger a young-generation collection, and only once past the threshold. */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { SpentBuffers } from '../src/memory.js';

async function minorCollectionsDuring(action: () => void): Promise<number> {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  action();
  await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
  observer.disconnect();
  return entries.filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
}

describe('SpentBuffers', () => {
  it('collects the young generation once the spent bytes reach the threshold, not before', async () => {
    const spent = new SpentBuffers(1000);
    expect(await minorCollectionsDuring(() => spent.add(999))).toBe(0);
    expect(await minorCollectionsDuring(() => spent.add(1))).toBeGreaterThanOrEqual(1);
    // The count starts again after a collection.
    expect(await minorCollectionsDuring(() => spent.add(500))).toBe(0);
  });
});

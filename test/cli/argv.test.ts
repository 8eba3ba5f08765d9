/** argv → options: the parser's behaviour alone, with the command's run() replaced by a recorder. */
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { runInProcess } from '../support/cli.js';

const calls: { command: string; options: unknown }[] = [];
vi.mock('../../src/commands/publish/run.js', () => ({
  runPublish: async (options: unknown) => {
    calls.push({ command: 'publish', options });
    return { runId: 'r', dryRun: false, asOf: '2026-11-27', portal: 'file:x', companies: [], totals: { rows: 0, bytes: 0, storedBytes: 0, durationMs: 0 }, exitCode: 0, journal: 'j' };
  },
}));
vi.mock('../../src/commands/unpublish/run.js', () => ({
  runUnpublish: async (options: unknown) => {
    calls.push({ command: 'unpublish', options });
    return { company: 'X', portal: 'p', unpublished: [] };
  },
}));

beforeEach(() => {
  calls.length = 0;
});

describe('publish', () => {
  test.each([
    [[], { companies: [], views: [], full: false, dryRun: false, strict: false }],
    [['--company', 'acme', '--company', 'BIJOU,ACME'], { companies: ['ACME', 'BIJOU'] }],
    [['--service', 'business-mobile', '--view', 'treasury', '--view', 'top-items,treasury'], { service: 'business-mobile', views: ['treasury', 'top-items'] }],
    [['--full', '--dry-run', '--strict', '--as-of', '2025-12-31'], { full: true, dryRun: true, strict: true, asOf: '2025-12-31' }],
    // Global flags may come before or after the command.
    [['--json', '--quiet'], {}],
  ])('%j', async (argv, expected) => {
    const r = await runInProcess(['publish', ...argv], { cwd: '/tmp', env: {} });
    expect(r.exitCode).toBe(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options).toMatchObject(expected);
  });

  test.each([
    [['--as-of', '2025-02-30'], /--as-of must be a date YYYY-MM-DD \(got "2025-02-30"\)/],
    [['--view', 'tresury'], /--view tresury: unknown view \(did you mean treasury\?\)/],
    [['--service', 'data-manager', '--view', 'treasury'], /--view selects Business Mobile views; it cannot be combined with --service data-manager/],
    [['--service', 'business-mobile', '--full'], /--full applies to Data Manager data/],
    [['--company', 'AC ME'], /--company AC ME: a company code is uppercase letters and digits/],
  ])('%j is a usage error naming the flags', async (argv, message) => {
    const r = await runInProcess(['publish', ...argv], { cwd: '/tmp', env: {} });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(calls).toHaveLength(0);
  });
});

describe('unpublish', () => {
  test('--company and --service reach run() as given', async () => {
    const r = await runInProcess(['--no-color', 'unpublish', '--company', 'ACME', '--service', 'data-manager'], { cwd: '/tmp', env: {} });
    expect(r.exitCode).toBe(0);
    expect(calls).toEqual([{ command: 'unpublish', options: { company: 'ACME', service: 'data-manager' } }]);
  });
});

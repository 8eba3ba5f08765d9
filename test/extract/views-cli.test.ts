/** `sbsync views show` in process, on a config whose companies read the crafted SQLite company. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, tempDir } from '../support/cli.js';
import { createSageFixture } from '../support/sage-fixture.js';
import { viewsCompany } from '../fixtures/views/company.js';

let dir: string;
let cleanup: () => Promise<void>;

const CONFIG = `portal:
  url: file:portal
companies:
  - code: ACME
    name: Négoce Démo SARL
    source: { type: sqlite, path: company.sqlite }
    services: { businessMobile: { accountingViews: true, commercialViews: true } }
  - code: COMPTA
    name: Compta seule
    source: { type: sqlite, path: company.sqlite }
    services: { businessMobile: { accountingViews: true } }
users:
  - name: Léa
    login: lea
    passwordHash: "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
    views: { ACME: all, COMPTA: all }
`;

let config: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('sbsync-views-cli-'));
  createSageFixture(path.join(dir, 'company.sqlite'), viewsCompany());
  config = path.join(dir, 'sbsync.yaml');
  await writeFile(config, CONFIG);
});
afterAll(async () => cleanup());

const run = (args: string[], now?: Date) => runInProcess([...args, '--config', config], { cwd: dir, ...(now ? { now } : {}) });

describe('sbsync views show', () => {
  it('prints one JSON document with the computed view', async () => {
    const r = await run(['views', 'show', 'customer-outstanding', '--company', 'acme', '--as-of', '2025-06-15', '--json']);
    expect(r.stderr).not.toContain('error');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      ok: true,
      company: { code: 'ACME', name: 'Négoce Démo SARL' },
      view: { id: 'customer-outstanding', asOf: '2025-06-15', kind: 'balances', currency: 'EUR', data: { total: '2020.456789', overdue: '1900.456789' } },
    });
  });

  it('renders a readable table for people, with exact decimals', async () => {
    const r = await run(['views', 'show', 'revenue-by-month', '--company', 'ACME', '--as-of', '2025-06-15']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Revenue by month — Chiffre d\'affaires mensuel');
    expect(r.stdout).toContain('as of 2025-06-15, amounts in EUR');
    expect(r.stdout).toContain('year to date: 1714.456789 (last year 1200.000000, +42.9 %)');
    expect(r.stdout).toMatch(/2025-04 +124\.456789 +0\.000000/);
    expect(r.stdout).toMatch(/2025-07 +– +0\.000000/);
  });

  it('computes as of today (the clock, local date) by default', async () => {
    const r = await run(['views', 'show', 'treasury', '--company', 'ACME', '--json'], new Date(2025, 5, 15, 23, 30));
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.view.asOf).toBe('2025-06-15');
    expect(doc.view.data.balance.current).toBe('6690.000000');
  });

  it('renders every view for people without failing', async () => {
    for (const id of ['income-expenses', 'treasury', 'customer-aged-balance', 'upcoming-due-dates', 'top-items', 'sales-by-family', 'open-orders', 'stock-value', 'stock-shortages', 'customer-cards']) {
      const r = await run(['views', 'show', id, '--company', 'ACME', '--as-of', '2025-06-15']);
      expect(r.exitCode, `${id}: ${r.stderr}`).toBe(0);
      expect(r.stdout.split('\n').length, id).toBeGreaterThan(4);
    }
    const cards = await run(['views', 'show', 'customer-cards', '--company', 'ACME', '--as-of', '2025-06-15']);
    expect(cards.stdout).toContain('2025-05-20  Facture FA0104  100.000000 (to pay 100.000000)');
    const stock = await run(['views', 'show', 'stock-value', '--company', 'ACME', '--as-of', '2025-06-15']);
    expect(stock.stderr).toContain('Negative stock in Annexe');
  });

  it('needs --company when the config has several companies', async () => {
    const r = await run(['views', 'show', 'treasury']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('the config has 2 companies: pick one with --company');
    expect(r.stderr).toContain('Known companies: ACME, COMPTA.');
  });

  it('refuses an unknown company and a view the company does not publish', async () => {
    const unknown = await run(['views', 'show', 'treasury', '--company', 'NOPE']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no company NOPE in the config');
    const notPublished = await run(['views', 'show', 'top-items', '--company', 'COMPTA', '--json']);
    expect(notPublished.exitCode).toBe(2);
    expect(JSON.parse(notPublished.stdout).error).toMatchObject({
      code: 'usage',
      message: 'company COMPTA does not publish the commercial view top-items',
      hint: expect.stringContaining('services.businessMobile.commercialViews: true'),
    });
  });

  it('rejects an impossible --as-of date', async () => {
    const r = await run(['views', 'show', 'treasury', '--company', 'ACME', '--as-of', '2025-02-30']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--as-of must be a date YYYY-MM-DD (got "2025-02-30")');
  });

  it('reports a missing SQLite file as a source error (exit 1)', async () => {
    const other = path.join(dir, 'missing.yaml');
    // Its own data directory: a replica refuses to copy another source than its own.
    await writeFile(other, `${CONFIG.replace(/company\.sqlite/g, 'nowhere.sqlite')}dataDirectory: missing-data\n`);
    const r = await runInProcess(['views', 'show', 'treasury', '--company', 'ACME', '--config', other], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('SQLite database not found');
  });

  it('reads the replica as it stands with --no-sync, and says how to create one that does not exist yet', async () => {
    const stale = await run(['views', 'show', 'treasury', '--company', 'ACME', '--as-of', '2025-06-15', '--no-sync', '--json']);
    expect(stale.exitCode).toBe(0);
    expect(JSON.parse(stale.stdout).view.data.balance.current).toBe('6690.000000');
    const none = await run(['views', 'show', 'treasury', '--company', 'COMPTA', '--as-of', '2025-06-15', '--no-sync', '--json']);
    expect(none.exitCode).toBe(1);
    expect(JSON.parse(none.stdout).error).toMatchObject({
      message: expect.stringContaining('COMPTA has no replica yet'),
      hint: 'Create it with `sbsync replica sync --company COMPTA`, or run this command without --no-sync.',
    });
  });
});

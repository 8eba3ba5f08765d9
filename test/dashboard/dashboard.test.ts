/**
 * End to end: a small demo company is published by the real CLI to a real reference portal serving the
 * mobile dashboard; Debian's headless Chromium (playwright-core) then uses the dashboard as managers and
 * sales reps do. Screenshots are taken on every run; they replace the README's in docs/screenshots/ only
 * with SBSYNC_UPDATE_SCREENSHOTS=1 (they show the publication date, so every run would change them).
 */
import { mkdir } from 'node:fs/promises';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DASHBOARD_CSP, loadDashboard } from '../../src/portal/dashboard/handler.js';
import { hashPassword } from '../../src/portal/password.js';
import { startPortalServer, type RunningPortalServer } from '../../src/portal/server.js';
import { openStore } from '../../src/portal/store.js';
import { PACKAGE_ROOT, runInProcess, tempDir } from '../support/cli.js';
import { BM, DM, ENV, MARIE, PAUL, TODAY, demoDatabase, mobileGet, mobileLogin, writeConfig } from '../publish/support.js';
import { chromiumMissing, launchChromium } from './browser.js';

// Browser globals, used only inside page callbacks (the project's lib has no DOM).
declare const document: any, sessionStorage: any, location: any, window: any;

const missing = chromiumMissing();
// Locally a machine without Chromium skips (with this message); in CI the suite runs and fails.
const suite = missing && !process.env.CI ? describe.skip : describe;
if (missing && !process.env.CI) console.warn(`skipping the dashboard browser tests: ${missing}`);

const SCREENSHOTS = process.env.SBSYNC_UPDATE_SCREENSHOTS === '1' ? path.join(PACKAGE_ROOT, 'docs', 'screenshots') : mkdtempSync(path.join(tmpdir(), 'sbsync-screenshots-'));
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

/** Intl output uses no-break spaces (U+00A0, U+202F); compare text with plain spaces. */
const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').trim();
const frMoney = (text: string, currency = 'EUR') => plain(new Intl.NumberFormat('fr-FR', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(text as unknown as number));

interface MobileView {
  id: string;
  meta: { title: { fr: string; en: string }; kind: string; group: string };
}

suite('the mobile dashboard in a real browser', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: RunningPortalServer;
  let url: string;
  let browser: Browser;
  let marieViews: MobileView[];
  let paulViews: MobileView[];
  let publishedAt: string;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(missing);
    ({ dir, cleanup } = await tempDir('sbsync-dashboard-'));
    const [sqlite, dashboard, launched] = await Promise.all([demoDatabase(dir), loadDashboard(), launchChromium()]);
    browser = launched;
    server = await startPortalServer({
      store: await openStore({ root: path.join(dir, 'portal-store') }),
      accounts: {
        dataManager: [{ sageId: DM.sageId, passwordHash: await hashPassword(DM.password, { cost: 1024 }) }],
        businessMobile: [{ customerNumber: BM.customerNumber, passwordHash: await hashPassword(BM.password, { cost: 1024 }) }],
      },
      maintenanceIntervalMs: 0,
      handleOtherRequest: dashboard.handle,
    });
    url = server.url;
    const config = await writeConfig(dir, 'dashboard.yaml', { url, sqlite });
    const published = await runInProcess(['publish', '--config', config, '--service', 'business-mobile', '--as-of', TODAY, '--json'], { cwd: dir, env: ENV });
    expect(published.exitCode, published.stderr).toBe(0);

    const marie = await mobileLogin(url, 'DEMO', MARIE.login, MARIE.password);
    const marieList = await mobileGet(url, marie.token!, '/v1/mobile/views');
    marieViews = marieList.json.views;
    publishedAt = marieList.json.publishedAt;
    const paul = await mobileLogin(url, 'DEMO', PAUL.login, PAUL.password);
    paulViews = (await mobileGet(url, paul.token!, '/v1/mobile/views')).json.views;
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close({ graceMs: 1000 });
    await cleanup?.();
  });

  async function open(viewport = PHONE): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'fr-FR', timezoneId: 'Europe/Paris', deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[134]/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Every request stays on the portal: nothing is fetched from the internet.
    page.on('request', (r) => {
      if (!r.url().startsWith(url) && !r.url().startsWith('data:')) problems.push(`foreign request: ${r.url()}`);
    });
    await page.goto(`${url}/`);
    await page.waitForSelector('main[data-page="login"]');
    return page;
  }

  async function logIn(page: Page, company: string, login: string, password: string): Promise<void> {
    await page.fill('#company', company);
    await page.fill('#login', login);
    await page.fill('#password', password);
    await page.click('button[type="submit"]');
  }

  async function loggedIn(user: { login: string; password: string }, viewport = PHONE): Promise<Page> {
    const page = await open(viewport);
    await logIn(page, 'demo', user.login, user.password);
    await page.waitForSelector('main[data-page="list"]');
    return page;
  }

  async function openView(page: Page, id: string): Promise<void> {
    await page.click(`a[data-view="${id}"]`);
    await page.waitForSelector(`main[data-page="view"][data-view="${id}"]`);
  }

  async function publishedView(user: { login: string; password: string }, id: string) {
    const { token } = await mobileLogin(url, 'DEMO', user.login, user.password);
    return (await mobileGet(url, token!, `/v1/mobile/views/${id}`)).json.rows[0];
  }

  test('the page and its assets carry a strict CSP and security headers, compressed', async () => {
    const page = await request(`${url}/`, { headers: { 'accept-encoding': 'gzip' } });
    await page.body.arrayBuffer();
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-encoding']).toBe('gzip');
    const api = await request(`${url}/v1/health`);
    await api.body.json();
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['content-security-policy']).toContain("default-src 'none'");
  });

  test('the login page is labelled, ordered and usable with the keyboard', async () => {
    const page = await open();
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    // Every input has a visible label pointing at it.
    const unlabelled = await page.$$eval('input', (inputs) => inputs.filter((input) => !document.querySelector(`label[for="${input.id}"]`)?.textContent?.trim()).map((input) => input.id));
    expect(unlabelled).toEqual([]);
    expect(await page.$$eval('h1, h2, h3', (headings) => headings.map((heading) => heading.tagName))).toEqual(['H1', 'H2']);
    // Tab reaches the skip link first, then the fields in order, then the button; Enter submits.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('skip');
    await page.focus('#company');
    await page.keyboard.type('DEMO');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PAUL.login);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PAUL.password);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('submit');
    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-page="list"]');
    // Every control has an accessible name.
    const nameless = await page.$$eval('a, button', (nodes) => nodes.filter((node) => !(node as { hidden?: boolean }).hidden && !(node.getAttribute('aria-label') || node.textContent?.trim())).length);
    expect(nameless).toBe(0);
  });

  test('a wrong password, an unknown login and a user of another company get one same message', async () => {
    const page = await open();
    const attempts = [
      ['DEMO', PAUL.login, 'not-the-password'],
      ['DEMO', 'nobody', PAUL.password],
      ['ACME', MARIE.login, MARIE.password], // Marie has no right on ACME
    ] as const;
    const messages: string[] = [];
    for (const [company, login, password] of attempts) {
      const answer = page.waitForResponse((r) => r.url().endsWith('/v1/mobile/login'));
      await logIn(page, company, login, password);
      expect((await answer).status()).toBe(401);
      await page.waitForSelector('#login-error:not(:empty)');
      messages.push(plain(await page.textContent('#login-error')));
      expect(await page.inputValue('#password')).toBe('');
    }
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toBe('Connexion refusée : code société, identifiant ou mot de passe incorrect.');
    expect(await page.evaluate(() => sessionStorage.getItem('sbsync.session'))).toBeNull();
    expect(await page.getAttribute('main', 'data-page')).toBe('login');
  });

  test('each user sees exactly the views permitted to them', async () => {
    expect(marieViews).toHaveLength(18);
    const marie = await loggedIn(MARIE);
    const marieShown = await marie.$$eval('a[data-view]', (links) => links.map((link) => link.getAttribute('data-view')));
    expect([...marieShown].sort()).toEqual(marieViews.map((view) => view.id).sort());
    expect(marieShown).toHaveLength(18);
    expect(await marie.textContent('h2')).toContain('DEMO');
    expect(await marie.$$eval('main h3', (headings) => headings.map((heading) => heading.textContent))).toEqual(['Comptabilité', 'Gestion commerciale']);
    const paul = await loggedIn(PAUL);
    const shown = await paul.$$eval('a[data-view]', (links) => links.map((link) => link.getAttribute('data-view')));
    expect([...shown].sort()).toEqual(paulViews.map((view) => view.id).sort());
    expect([...shown].sort()).toEqual(['sales-by-month', 'top-customers']);
    expect(await paul.textContent('a[data-view="top-customers"] .view-title')).toBe('Meilleurs clients');
  });

  test('a monthly series is drawn from the published data, with last year, in French', async () => {
    const published = await publishedView(PAUL, 'sales-by-month');
    const page = await loggedIn(PAUL);
    await openView(page, 'sales-by-month');
    const months = published.data.months as { month: string; current: string | null; previous: string | null }[];
    expect(months).toHaveLength(12);
    expect(await page.getAttribute('svg[data-chart="months"]', 'data-categories')).toBe('12');
    // One bar per month with a figure this year (months after as-of have none), one dot per month last year.
    const bars = await page.$$eval('rect.bar[data-series="s-current"]', (rects) => rects.map((rect) => [rect.getAttribute('data-key'), rect.getAttribute('data-value')]));
    expect(bars).toEqual(months.filter((m) => m.current !== null).map((m) => [m.month, m.current]));
    const dots = await page.$$eval('circle.point[data-series="s-previous"]', (circles) => circles.map((circle) => circle.getAttribute('data-value')));
    expect(dots).toEqual(months.map((m) => m.previous));
    expect(await page.$eval('path.line', (p) => p.getAttribute('d')?.split('L').length)).toBe(12);
    // The headline figure is the published year-to-date, formatted the French way.
    const figure = plain(await page.textContent('[data-figure="yearToDate"] .card-value'));
    expect(figure).toBe(frMoney(published.data.yearToDate.current));
    expect(figure).toMatch(/^-?\d{1,3}( \d{3})*,\d{2} €$/);
    expect(plain(await page.textContent('[data-figure="yearToDate"] .card-change'))).toContain('vs N-1');
    // The as-of date and the publication date are on the view.
    expect(await page.textContent('[data-as-of]')).toBe(`Situation au ${TODAY.split('-').reverse().join('/')}`);
    expect(await page.getAttribute('[data-published-at]', 'data-published-at')).toBe(publishedAt);
    // The chart has a name and its data as a table for screen readers.
    expect(await page.$eval('svg[data-chart="months"]', (svg) => document.getElementById(svg.getAttribute('aria-labelledby') ?? '')?.textContent)).toBe('Ventes facturées par mois, N et N-1');
    expect(await page.$$eval('.chart-data tbody tr', (rows) => rows.length)).toBe(12);
  });

  test('every view of the catalogue renders: cards, stacked aged bars, rankings with inline bars, lists', async () => {
    const page = await loggedIn(MARIE, DESKTOP);
    for (const view of marieViews) {
      await page.goto(`${url}/#/view/${view.id}`);
      await page.waitForSelector(`main[data-page="view"][data-view="${view.id}"]`);
      expect(await page.textContent('main h2')).toBe(view.meta.title.fr);
      expect(await page.$('pre.raw'), `${view.id} has a presentation`).toBeNull();
      expect(await page.$$eval('.card', (cards) => cards.length), `${view.id} has headline cards`).toBeGreaterThan(0);
      expect(await page.textContent('[data-as-of]')).toContain('27/11/2026');
    }
    const aged = await publishedView(MARIE, 'customer-aged-balance');
    await page.goto(`${url}/#/view/customer-aged-balance`);
    await page.waitForSelector('main[data-view="customer-aged-balance"]');
    const segments = await page.$$eval('.stack-block svg[data-chart="stacked"] rect.seg', (rects) => rects.map((rect) => [rect.getAttribute('data-key'), rect.getAttribute('data-value')]));
    expect(segments).toEqual(Object.entries(aged.data.totals).filter(([key, value]) => key !== 'total' && Number(value) > 0));
    expect(await page.$$eval('tbody svg[data-chart="stacked"]', (svgs) => svgs.length)).toBe(aged.data.rows.length);

    const ranking = await publishedView(MARIE, 'top-customers');
    await page.goto(`${url}/#/view/top-customers`);
    await page.waitForSelector('main[data-view="top-customers"]');
    expect(await page.$$eval('tbody tr', (rows) => rows.length)).toBe(ranking.data.rows.length);
    expect(await page.$$eval('tbody .inline-bar', (bars) => bars.length)).toBe(ranking.data.rows.length);
    expect(plain(await page.textContent('tbody tr:first-child td.num'))).toBe(frMoney(ranking.data.rows[0].sales.current));

    const shortages = await publishedView(MARIE, 'stock-shortages');
    await page.goto(`${url}/#/view/stock-shortages`);
    await page.waitForSelector('main[data-view="stock-shortages"]');
    expect(await page.$$eval('ul.items > li', (items) => items.length)).toBe(Math.min(30, shortages.data.items.length));

    const orders = await publishedView(MARIE, 'open-quotes');
    await page.goto(`${url}/#/view/open-quotes`);
    await page.waitForSelector('main[data-view="open-quotes"]');
    expect(await page.$$eval('ul.items > li', (items) => items.length)).toBe(Math.min(30, orders.data.documents.length));
    if (orders.data.documents.length > 30) {
      await page.click('button.more');
      expect(await page.$$eval('ul.items > li', (items) => items.length)).toBe(Math.min(60, orders.data.documents.length));
    }
  });

  test('a tampered view URL is refused by the server (403) and shown as access denied', async () => {
    const page = await loggedIn(PAUL);
    const answer = page.waitForResponse((r) => r.url().endsWith('/v1/mobile/views/treasury'));
    await page.evaluate(() => (location.hash = '#/view/treasury'));
    expect((await answer).status()).toBe(403);
    await page.waitForSelector('main[data-page="view-error"]');
    expect(await page.textContent('[role="alert"]')).toBe('Accès refusé : vous n’avez pas le droit de consulter cet indicateur.');
    expect(await page.$('svg[data-chart], .card')).toBeNull();
    // The company comes from the token: no URL of the app reaches another company's data.
    const other = page.waitForResponse((r) => r.url().includes('/v1/mobile/views/'));
    await page.evaluate(() => (location.hash = `#/view/${encodeURIComponent('../../companies/ACME/business-mobile/publication')}`));
    expect([403, 404]).toContain((await other).status());
  });

  test('English is available and remembered on the device', async () => {
    const page = await loggedIn(PAUL, DESKTOP);
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('main h2')).toBe('Your indicators — DEMO');
    await openView(page, 'sales-by-month');
    const published = await publishedView(PAUL, 'sales-by-month');
    const en = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', minimumFractionDigits: 2 }).format(published.data.yearToDate.current);
    expect(plain(await page.textContent('[data-figure="yearToDate"] .card-value'))).toBe(plain(en));
    await page.reload();
    await page.waitForSelector('main[data-view="sales-by-month"]');
    expect(await page.textContent('main h2')).toBe('Invoiced sales by month');
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
  });

  test('an expired session returns to the login page with a message', async () => {
    const page = await loggedIn(PAUL);
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('sbsync.session') ?? '{}');
      sessionStorage.setItem('sbsync.session', JSON.stringify({ ...session, token: 'forgotten-by-the-server' }));
    });
    await page.reload();
    await page.waitForSelector('main[data-page="login"]');
    expect(await page.textContent('.notice')).toBe('Votre session a expiré. Reconnectez-vous.');
    // A session past its expiry time never reaches the server.
    await logIn(page, 'DEMO', PAUL.login, PAUL.password);
    await page.waitForSelector('main[data-page="list"]');
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('sbsync.session') ?? '{}');
      sessionStorage.setItem('sbsync.session', JSON.stringify({ ...session, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    });
    await page.reload();
    await page.waitForSelector('main[data-page="login"]');
    expect(await page.textContent('.notice')).toBe('Votre session a expiré. Reconnectez-vous.');
  });

  test('logout returns to the login page and the token stops working', async () => {
    const page = await loggedIn(PAUL);
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('sbsync.session') ?? '{}').token as string);
    expect((await mobileGet(url, token, '/v1/mobile/views')).status).toBe(200);
    const answer = page.waitForResponse((r) => r.url().endsWith('/v1/mobile/logout'));
    await page.click('#logout');
    expect((await answer).status()).toBe(204);
    await page.waitForSelector('main[data-page="login"]');
    expect(await page.textContent('.notice')).toBe('Vous êtes déconnecté.');
    expect(await page.isHidden('#logout')).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('sbsync.session'))).toBeNull();
    expect((await mobileGet(url, token, '/v1/mobile/views')).status).toBe(401);
    expect((await mobileGet(url, token, '/v1/mobile/views/sales-by-month')).status).toBe(401);
  });

  test('money is formatted the French way from the exact decimal text', async () => {
    const page = await open();
    // A string, so that vitest leaves the browser's own import() alone.
    const formatted: string[] = await page.evaluate(`import('/assets/format.js').then((f) => [
      f.money('1234.560000', 'EUR', 'fr'), f.money('-0.005000', 'EUR', 'fr'), f.money('12345678901234.995000', 'EUR', 'fr'),
      f.percent('-10.9', 'fr'), f.date('2026-11-27', 'fr')])`);
    expect(formatted.map(plain)).toEqual(['1 234,56 €', '-0,01 €', '12 345 678 901 235,00 €', '-10,9 %', '27/11/2026']);
  });

  test('screenshots at phone and desktop widths', async () => {
    for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const page = await open(viewport);
      await page.screenshot({ path: path.join(SCREENSHOTS, `login-${name}.png`) });
      await logIn(page, 'DEMO', MARIE.login, MARIE.password);
      await page.waitForSelector('main[data-page="list"]');
      await page.screenshot({ path: path.join(SCREENSHOTS, `views-${name}.png`), fullPage: name === 'desktop' });
      for (const id of ['revenue-by-month', 'customer-aged-balance', 'top-customers']) {
        await page.goto(`${url}/#/view/${id}`);
        await page.waitForSelector(`main[data-view="${id}"]`);
        await page.screenshot({ path: path.join(SCREENSHOTS, `${id}-${name}.png`) });
      }
      // Nothing is wider than the phone: no sideways scrolling of the page itself.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
    for (const shot of ['login', 'views', 'revenue-by-month', 'customer-aged-balance', 'top-customers']) {
      for (const name of ['phone', 'desktop']) expect(statSync(path.join(SCREENSHOTS, `${shot}-${name}.png`)).size).toBeGreaterThan(5_000);
    }
  });

  test('no console error, script error, CSP violation or foreign request happened', () => {
    expect(problems).toEqual([]);
  });
});

import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfigText, type ConfigLoadResult } from '../../src/config/load.js';
import { renderDiagnostic, type Diagnostic } from '../../src/config/diagnostics.js';
import { PACKAGE_ROOT } from '../support/cli.js';

const deps = (env: Record<string, string> = {}) => ({ env, readTextFile: (p: string) => readFile(p, 'utf8') });

async function load(text: string, env: Record<string, string> = {}, baseDir = '/tmp'): Promise<ConfigLoadResult> {
  return loadConfigText({ displayName: 'sbsync.yaml', file: path.join(baseDir, 'sbsync.yaml'), baseDir, text }, deps(env));
}

const errors = (r: ConfigLoadResult) => r.diagnostics.filter((d) => d.severity === 'error');
const brief = (d: Diagnostic) => `${d.line}:${d.col} ${d.path} ${d.message}`;

/** A valid base every error case changes in one place. */
const BASE = `portal:
  url: https://portal.example.fr
  dataManager:
    sageId: compta@example.fr
    password: \${env:DM_PASSWORD}
  businessMobile:
    customerNumber: "123456"
    password: \${env:BM_PASSWORD}
database:
  server: SRV\\SAGE100
  user: reader
  password: \${env:SQL_PASSWORD}
companies:
  - code: ACME
    name: Acme SARL
    source: { type: sqlserver, accountingDatabase: ACME }
    services:
      dataManager: { accounting: true, commercial: true }
      businessMobile: { accountingViews: true, commercialViews: true }
users:
  - name: Marie
    login: marie
    password: \${env:MARIE_PASSWORD}
    views:
      ACME: all
`;
const ENV = { DM_PASSWORD: 'dm-secret-1', BM_PASSWORD: 'bm-secret-2', SQL_PASSWORD: 'sql-secret-3', MARIE_PASSWORD: 'marie-secret-4' };

describe('config pipeline', () => {
  test('the example config is valid, without any warning, and resolves defaults and paths', async () => {
    const text = await readFile(path.join(PACKAGE_ROOT, 'config.example.yaml'), 'utf8');
    const r = await loadConfigText({ displayName: 'config.example.yaml', file: '/srv/sbsync/config.example.yaml', baseDir: '/srv/sbsync', text }, deps());
    expect(r.diagnostics).toEqual([]);
    expect(r.config?.portal).toMatchObject({ kind: 'file', directory: '/srv/sbsync/sbsync-data/portal', retries: 5, timeoutSeconds: 120 });
    expect(r.config?.companies[0]?.source).toEqual({ type: 'demo', path: '/srv/sbsync/sbsync-data/demo.sqlite', scale: 1, seed: 1 });
    expect(r.config?.users.map((u) => u.login)).toEqual(['mdurand', 'pmartin']);
    // `all` expands to every view the company publishes.
    expect(r.config?.users[0]?.views.DEMO).toContain('revenue-by-month');
    expect(r.config?.users[0]?.views.DEMO).toContain('customer-cards');
    expect(Object.isFrozen(r.config?.companies[0])).toBe(true);
  });

  test('a valid config with secrets by reference resolves them and lists them for redaction', async () => {
    const r = await load(BASE, ENV);
    expect(errors(r)).toEqual([]);
    expect(r.config?.database).toMatchObject({ server: 'SRV\\SAGE100', user: 'reader', password: 'sql-secret-3', encrypt: true, trustServerCertificate: true, requestTimeoutSeconds: 600, authentication: 'sql' });
    expect(r.config?.companies[0]?.source).toMatchObject({ type: 'sqlserver', accountingDatabase: 'ACME', commercialDatabase: 'ACME' });
    expect(r.secrets.sort()).toEqual(Object.values(ENV).sort());
    expect(r.plainSecrets).toEqual([]);
    expect(r.origins.get('database.password')).toEqual({ kind: 'env', name: 'SQL_PASSWORD' });
    expect(r.origins.get('database.user')).toEqual({ kind: 'file', line: 11 });
  });

  test('YAML syntax errors are located and show the offending line', async () => {
    const r = await load('portal:\n  url: "file:x\ncompanies: []\n');
    expect(errors(r).length).toBeGreaterThan(0);
    const first = errors(r)[0]!;
    expect(first.message).toMatch(/YAML syntax error/);
    expect(first.line).toBeGreaterThanOrEqual(2);
    expect(renderDiagnostic(first)).toContain(' | ');
  });

  test('duplicate keys are errors at the second key', async () => {
    const r = await load(BASE.replace('  user: reader\n', '  user: reader\n  user: other\n'), ENV);
    expect(errors(r).map(brief)).toEqual([expect.stringMatching(/^12:3 .*Map keys must be unique/)]);
  });

  test('an empty file says what it should hold', async () => {
    const r = await load('# nothing\n');
    expect(errors(r)[0]?.message).toBe('the config file is empty');
  });

  const cases: { name: string; change: (t: string) => string; line: number; col: number; path: string; message: RegExp }[] = [
    { name: 'unknown property, with a suggestion', change: (t) => t.replace('  server:', '  sever: x\n  server:'), line: 10, col: 3, path: 'database.sever', message: /unknown property "sever" \(did you mean "server"\?\)/ },
    { name: 'wrong type', change: (t) => t.replace('database:\n', 'database:\n  requestTimeoutSeconds: 10min\n'), line: 10, col: 26, path: 'database.requestTimeoutSeconds', message: /must be an integer \(found "10min"\)/ },
    { name: 'enum', change: (t) => t.replace('database:\n', 'database:\n  authentication: windows\n'), line: 10, col: 19, path: 'database.authentication', message: /must be one of sql, ntlm \(found "windows"\)/ },
    { name: 'pattern of a company code', change: (t) => t.replace('code: ACME', 'code: acme-1').replace(/users:[\s\S]*/, ''), line: 14, col: 11, path: 'companies[0].code', message: /uppercase letters and digits/ },
    { name: 'missing required property', change: (t) => t.replace('    name: Acme SARL\n    source: { type: sqlserver, accountingDatabase: ACME }\n', '    name: Acme SARL\n'), line: 14, col: 5, path: 'companies[0]', message: /missing required property "source"/ },
    { name: 'unknown source type', change: (t) => t.replace('type: sqlserver', 'type: oracle'), line: 16, col: 21, path: 'companies[0].source.type', message: /unknown source type "oracle"/ },
    { name: 'unset environment variable', change: (t) => t.replace('${env:SQL_PASSWORD}', '${env:SQL_PASSWD}'), line: 12, col: 13, path: 'database.password', message: /environment variable SQL_PASSWD is not set/ },
    { name: 'unreadable secret file', change: (t) => t.replace('${env:SQL_PASSWORD}', '${file:secrets/none.txt}'), line: 12, col: 13, path: 'database.password', message: /cannot read secret file \/tmp\/secrets\/none.txt \(ENOENT\)/ },
    { name: 'unknown reference kind', change: (t) => t.replace('${env:SQL_PASSWORD}', '${vault:sql}'), line: 12, col: 13, path: 'database.password', message: /unknown reference "\$\{vault:sql\}"/ },
    { name: 'duplicate company codes', change: (t) => t.replace('users:', '  - code: ACME\n    source: { type: demo }\n    services: { dataManager: { accounting: true } }\nusers:'), line: 20, col: 11, path: 'companies[1].code', message: /ACME is already used by companies\[0\]/ },
    { name: 'duplicate logins (case-insensitive)', change: (t) => `${t}  - name: Other\n    login: MARIE\n    password: \${env:MARIE_PASSWORD}\n    views: { ACME: all }\n`, line: 27, col: 12, path: 'users[1].login', message: /login MARIE is already used by users\[0\]/ },
    { name: 'user pointing at an unknown company', change: (t) => t.replace('      ACME: all', '      ACMEE: all'), line: 25, col: 7, path: 'users[0].views.ACMEE', message: /unknown company ACMEE \(did you mean ACME\?\)/ },
    { name: 'user pointing at an unknown view', change: (t) => t.replace('      ACME: all', '      ACME: [top-customer]'), line: 25, col: 14, path: 'users[0].views.ACME[0]', message: /unknown view top-customer \(did you mean top-customers\?\)/ },
    { name: 'weekly schedule without weekday', change: (t) => `${t}schedule:\n  frequency: weekly\n`, line: 27, col: 3, path: 'schedule.frequency', message: /a weekly schedule needs a weekday/ },
    { name: 'schedule crossing midnight', change: (t) => `${t}schedule:\n  frequency: daily\n  startTime: "18:00"\n  timesPerDay: 4\n  intervalHours: 3\n`, line: 29, col: 16, path: 'schedule.timesPerDay', message: /4 runs every 3 h from 18:00 run past midnight \(the last would start at 03:00 the next day\)/ },
    { name: 'several runs a day without interval', change: (t) => `${t}schedule:\n  frequency: daily\n  timesPerDay: 2\n`, line: 28, col: 16, path: 'schedule.timesPerDay', message: /2 runs a day need intervalHours/ },
    { name: 'weekday contradicting the frequency', change: (t) => `${t}schedule:\n  frequency: daily\n  weekday: monday\n`, line: 28, col: 12, path: 'schedule.weekday', message: /weekday contradicts frequency: daily/ },
    { name: 'manual proxy without a host', change: (t) => `${t}proxy:\n  mode: manual\n`, line: 27, col: 3, path: 'proxy.mode', message: /a manual proxy needs its address/ },
    { name: 'service enabled without portal credentials', change: (t) => t.replace(/  businessMobile:\n    customerNumber: "123456"\n    password: \$\{env:BM_PASSWORD\}\n/, ''), line: 2, col: 3, path: 'portal.url', message: /publishes Business Mobile views but the portal has no businessMobile credentials/ },
  ];

  test.each(cases)('$name → located at its line, column and path', async ({ change, line, col, path: at, message }) => {
    const r = await load(change(BASE), ENV);
    const found = errors(r);
    expect(found.map(brief)).toHaveLength(1);
    expect(found[0]).toMatchObject({ line, col, path: at, file: 'sbsync.yaml' });
    expect(found[0]!.message).toMatch(message);
    expect(found[0]!.lineText).toBeDefined();
  });

  test('every error is reported at once, sorted by line', async () => {
    let text = BASE.replace('code: ACME', 'code: acme').replace('${env:SQL_PASSWORD}', '${env:NOPE}');
    text = text.replace('database:\n', 'database:\n  port: many\n');
    text += 'schedule:\n  frequency: weekly\nextra: 1\n';
    const r = await load(text, ENV);
    const lines = errors(r).map((d) => d.line);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(errors(r).map((d) => d.path)).toEqual(expect.arrayContaining(['database.port', 'database.password', 'companies[0].code', 'schedule.frequency', 'extra']));
  });

  test('a password written in clear is a warning, not an error', async () => {
    const r = await load(BASE.replace('${env:SQL_PASSWORD}', 'hunter2'), ENV);
    expect(errors(r)).toEqual([]);
    expect(r.plainSecrets).toEqual(['database.password']);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', line: 12, path: 'database.password', message: 'secret written in clear in the config file' })]);
    expect(r.secrets).toContain('hunter2');
  });

  test('${file:…} is relative to the config folder and loses its trailing newline', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sbsync-secret-'));
    await writeFile(path.join(dir, 'sql.txt'), 'from-a-file\n');
    const r = await load(BASE.replace('${env:SQL_PASSWORD}', '${file:sql.txt}'), ENV, dir);
    expect(errors(r)).toEqual([]);
    expect(r.config?.database.password).toBe('from-a-file');
    expect(r.origins.get('database.password')).toEqual({ kind: 'secret-file', path: path.join(dir, 'sql.txt') });
  });

  test('an env fallback and the $${…} escape', async () => {
    const r = await load(BASE.replace('${env:SQL_PASSWORD}', '${env:UNSET_ONE:-fallback-pw}').replace('name: Acme SARL', () => 'name: "Acme $${not-a-ref}"'), ENV);
    expect(errors(r)).toEqual([]);
    expect(r.config?.database.password).toBe('fallback-pw');
    expect(r.config?.companies[0]?.name).toBe('Acme ${not-a-ref}');
  });
});

describe('YAML syntax errors', () => {
  test('an unquoted reference inside braces gives one error per line with the fix, not a cascade', async () => {
    const text = 'portal:\n  url: file:x\n  dataManager: { sageId: a, password: ${env:DM} }\ncompanies: []\n';
    const r = await loadConfigText({ displayName: 'sbsync.yaml', file: '/tmp/sbsync.yaml', baseDir: '/tmp', text }, { env: {}, readTextFile: (p) => readFile(p, 'utf8') });
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.length).toBeLessThanOrEqual(5);
    expect(new Set(errs.map((d) => d.line)).size).toBe(errs.length);
    expect(errs[0]).toMatchObject({ line: 3, expected: 'a quoted reference inside { … }: password: "${env:NAME}"' });
  });
});

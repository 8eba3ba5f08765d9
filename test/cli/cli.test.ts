import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runInProcess, tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

const SECRET = 'S3cr3t-Value!"quoted"';

async function writeConfig(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

const VALID = `portal:
  url: https://portal.example.fr
  businessMobile:
    customerNumber: "42"
    password: \${env:BM_PASSWORD}
companies:
  - code: ACME
    source: { type: sqlite, path: acme.sqlite }
    services: { businessMobile: { commercialViews: true } }
users:
  - name: Léa
    login: lea
    password: \${env:LEA_PASSWORD}
    views: { ACME: [top-customers, open-orders] }
`;

describe('help', () => {
  const commands = [
    [], ['check'], ['publish'], ['unpublish'], ['companies'], ['companies', 'list'], ['companies', 'remove'], ['users'], ['users', 'list'],
    ['users', 'show-connection'], ['users', 'hash-password'], ['views'], ['views', 'list'], ['views', 'show'], ['log'], ['schedule'], ['portal'],
    ['portal', 'serve'], ['demo'], ['demo', 'create'], ['config'], ['config', 'validate'], ['config', 'show'],
    ['replica'], ['replica', 'sync'], ['replica', 'status'], ['replica', 'verify'], ['replica', 'rebuild'],
  ];
  test.each(commands.map((c) => [c.join(' ') || '(root)', c] as const))('sbsync %s --help', async (_name, args) => {
    const r = await runInProcess([...args, '--help'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: sbsync/);
    expect(r.stdout).toMatchSnapshot();
  });

  test('no arguments prints the help and exits 0', async () => {
    const r = await runInProcess([], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Commands:');
    for (const name of ['check', 'publish', 'unpublish', 'companies', 'users', 'views', 'log', 'schedule', 'portal', 'demo', 'config']) expect(r.stdout).toContain(`  ${name}`);
  });
});

describe('usage errors exit 2', () => {
  test.each([
    [['publsh'], /unknown command 'publsh'/],
    [['check', '--ofline'], /unknown option '--ofline'/],
    [['publish', '--service', 'mobile'], /Allowed choices are data-manager, business-mobile/],
    [['unpublish'], /required option '--company <code>' not specified/],
    [['views', 'show', 'revenue-by-mnth'], /unknown view "revenue-by-mnth" \(did you mean revenue-by-month\?\)/],
    [['views', 'show', 'sales-by-month', '--as-of', '27/11/2026'], /--as-of must be a date YYYY-MM-DD/],
  ])('%j', async (argv, message) => {
    const r = await runInProcess(argv, { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('config', () => {
  test('validate reports every located error and exits 2', async () => {
    const file = await writeConfig('broken.yaml', VALID.replace('code: ACME', 'code: acme').replace('https://portal', 'htps://portal'));
    const r = await runInProcess(['config', 'validate', '--config', file], { cwd: dir, env: { BM_PASSWORD: 'bm-password-9', LEA_PASSWORD: 'lea-password-8' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('broken.yaml:2:8 error: portal.url:');
    expect(r.stderr).toContain('broken.yaml:7:11 error: companies[0].code:');
    expect(r.stderr).toContain('broken.yaml:14:14 error: users[0].views.ACME: unknown company ACME');
    expect(r.stderr).toMatch(/ {2}7 \|   - code: acme\n {4}\| {11}\^\^\^\^/);
    expect(r.stdout).toMatch(/✗ .*broken.yaml.*: 3 errors/);
  });

  test('validate --json gives the diagnostics as data', async () => {
    const file = await writeConfig('broken2.yaml', VALID.replace('code: ACME', 'code: acme'));
    const r = await runInProcess(['config', 'validate', '--config', file, '--json'], { cwd: dir, env: { BM_PASSWORD: 'bm-password-9', LEA_PASSWORD: 'lea-password-8' } });
    expect(r.exitCode).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, ok: false, valid: false, errors: 2 });
    expect(doc.diagnostics[0]).toMatchObject({ line: 7, col: 11, path: 'companies[0].code', severity: 'error' });
  });

  test('a missing --config file is a config error naming it', async () => {
    const r = await runInProcess(['check', '--config', 'nope.yaml'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`config file ${path.join(dir, 'nope.yaml')} (from --config) does not exist`);
    expect(r.stderr).toContain('hint:');
  });

  test('show prints values with their origin and never the secrets', async () => {
    const file = await writeConfig('ok.yaml', VALID);
    const env = { BM_PASSWORD: SECRET, LEA_PASSWORD: 'lea-password-123' };
    for (const json of [false, true]) {
      const r = await runInProcess(['config', 'show', '--config', file, ...(json ? ['--json'] : []), '--verbose'], { cwd: dir, env });
      expect(r.exitCode).toBe(0);
      const all = r.stdout + r.stderr;
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain(JSON.stringify(SECRET).slice(1, -1));
      expect(all).not.toContain('lea-password-123');
      if (json) {
        const doc = JSON.parse(r.stdout);
        expect(doc.values).toEqual(expect.arrayContaining([
          { path: 'portal.businessMobile.password', value: '***', source: 'env:BM_PASSWORD', secret: true },
          { path: 'portal.retries', value: 5, source: 'default', secret: false },
          { path: 'companies[0].code', value: 'ACME', source: 'ok.yaml:7', secret: false },
        ]));
      } else {
        expect(r.stdout).toMatch(/portal\.businessMobile\.password +\*\*\* +env:BM_PASSWORD/);
      }
    }
  });

  test('SBSYNC_CONFIG is used when there is no ./sbsync.yaml; ./sbsync.yaml wins over it', async () => {
    const other = await writeConfig('elsewhere/conf.yaml', VALID.replace('code: ACME', 'code: ENVCO').replace('ACME:', 'ENVCO:'));
    const env = { BM_PASSWORD: 'bm-password-9', LEA_PASSWORD: 'lea-password-8', SBSYNC_CONFIG: other };
    const sub = path.join(dir, 'work');
    await mkdir(sub, { recursive: true });
    let r = await runInProcess(['companies', 'list', '--json'], { cwd: sub, env });
    expect(JSON.parse(r.stdout).companies.map((c: { code: string }) => c.code)).toEqual(['ENVCO']);
    await writeFile(path.join(sub, 'sbsync.yaml'), VALID);
    r = await runInProcess(['companies', 'list', '--json'], { cwd: sub, env });
    expect(JSON.parse(r.stdout).companies.map((c: { code: string }) => c.code)).toEqual(['ACME']);
  });
});

describe('check', () => {
  test('on the embedded default, offline: every tick, exit 0', async () => {
    const r = await runInProcess(['check', '--offline'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('config the embedded default');
    expect(r.stdout).toMatch(/✓ Companies +DEMO/);
    expect(r.stdout).toContain('Live probes skipped (--offline).');
    expect(r.stdout).toContain('Ready to publish.');
  });

  test('a missing setting is a ✗ with its fix, exit 1', async () => {
    const file = await writeConfig('nousers.yaml', VALID.replace(/users:[\s\S]*/, ''));
    const r = await runInProcess(['check', '--offline', '--config', file], { cwd: dir, env: { BM_PASSWORD: 'bm-password-9' } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/✗ Users +no user may see the views of ACME/);
    expect(r.stdout).toMatch(/fix: add a user with views: \{ ACME: all \} under users:/);
    expect(r.stderr).toContain('warning: companies[0].services.businessMobile: no user may see the views of ACME');
  });

  test('--json: one document with ticks and probes', async () => {
    const r = await runInProcess(['check', '--json'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, ok: true, ready: true, offline: false });
    expect(doc.ticks.map((t: { id: string }) => t.id)).toEqual(['config', 'portal', 'portal.dataManager', 'portal.businessMobile', 'database', 'proxy', 'companies', 'users', 'schedule', 'secrets', 'replica']);
    expect(doc.probes.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([['source.DEMO', 'ok'], ['portal', 'ok']]);
  });

  test('a probe failure names the file and exits 1', async () => {
    const file = await writeConfig('sqlite.yaml', VALID.replace('https://portal.example.fr', 'file:store'));
    const r = await runInProcess(['check', '--config', file], { cwd: dir, env: { BM_PASSWORD: 'bm-password-9', LEA_PASSWORD: 'lea-password-8' } });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/✗ ACME database .*acme\.sqlite/);
  });
});

describe('users', () => {
  test('show-connection hides the password unless asked', async () => {
    const file = await writeConfig('users.yaml', VALID);
    const env = { BM_PASSWORD: 'bm-password-9', LEA_PASSWORD: 'lea-password-123' };
    let r = await runInProcess(['users', 'show-connection', 'LEA', '--config', file], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Portal +https:\/\/portal\.example\.fr/);
    expect(r.stdout).toMatch(/Company code +ACME/);
    expect(r.stdout).toMatch(/Login +lea/);
    expect(r.stdout).not.toContain('lea-password-123');
    r = await runInProcess(['users', 'show-connection', 'lea', '--show-password', '--config', file], { cwd: dir, env });
    expect(r.stdout).toMatch(/Password +lea-password-123/);
  });

  test('hash-password reads stdin and prints a verifiable hash; refuses a terminal', async () => {
    const r = await runInProcess(['users', 'hash-password'], { cwd: dir, stdin: 'correct horse\n' });
    expect(r.exitCode).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    const { verifyPassword } = await import('../../src/portal/password.js');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    const tty = await runInProcess(['users', 'hash-password'], { cwd: dir, stdinIsTTY: true });
    expect(tty.exitCode).toBe(2);
  });
});

describe('--log-file', () => {
  test('writes every level as NDJSON with secrets redacted, even when the terminal is quiet', async () => {
    const file = await writeConfig('logged.yaml', VALID);
    const env = { BM_PASSWORD: SECRET, LEA_PASSWORD: 'lea-password-123' };
    const r = await runInProcess(['config', 'show', '--config', file, '--quiet', '--log-file', 'logs/run.log'], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(path.join(dir, 'logs', 'run.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.level)).toEqual(expect.arrayContaining(['verbose', 'result']));
    expect(lines.find((l) => l.level === 'verbose').message).toMatch(/^config: .*logged\.yaml/);
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(JSON.stringify(SECRET).slice(1, -1));
    expect(text).not.toContain('lea-password-123');
  });
});

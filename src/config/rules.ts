/**
 * Semantic rules: what the schema cannot say. Each rule reads the validated config and reports problems
 * with the YAML path at fault; the loader turns paths into file:line:col.
 */
import { VIEW_CATALOG, findView } from '../extract/views/catalog.js';
import type { PathSegment, Severity } from './diagnostics.js';
import type { Company, SbsyncConfig } from './types.generated.js';
import { closest } from '../text.js';

export interface RuleProblem {
  severity: Severity;
  path: PathSegment[];
  message: string;
  expected?: string;
  found?: string;
  /** Point at this key of the mapping at `path` rather than at its value. */
  key?: string;
}

type Rule = (config: SbsyncConfig, report: (problem: RuleProblem) => void) => void;

/** Device names Windows reserves: the portal store keeps one folder per company and must stay copyable to Windows. */
const WINDOWS_RESERVED = /^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$/;

const uniqueCompanyCodes: Rule = (config, report) => {
  const seen = new Map<string, number>();
  config.companies.forEach((company, index) => {
    if (WINDOWS_RESERVED.test(company.code)) {
      report({ severity: 'error', path: ['companies', index, 'code'], message: `${company.code} is a device name reserved by Windows and cannot name a company folder`, expected: 'another code, e.g. ' + company.code + '1' });
    }
    const first = seen.get(company.code);
    if (first === undefined) seen.set(company.code, index);
    else report({ severity: 'error', path: ['companies', index, 'code'], message: `company code ${company.code} is already used by companies[${first}]`, expected: 'a code used once' });
  });
};

const uniqueLogins: Rule = (config, report) => {
  const seen = new Map<string, number>();
  (config.users ?? []).forEach((user, index) => {
    const key = user.login.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else report({ severity: 'error', path: ['users', index, 'login'], message: `login ${user.login} is already used by users[${first}] (logins ignore case)`, expected: 'a login used once' });
  });
};

function viewGroupsEnabled(company: Company): Set<string> {
  const groups = new Set<string>();
  if (company.services.businessMobile?.accountingViews) groups.add('accounting');
  if (company.services.businessMobile?.commercialViews) groups.add('commercial');
  return groups;
}

const userViews: Rule = (config, report) => {
  const companies = new Map(config.companies.map((c) => [c.code, c]));
  const allIds = VIEW_CATALOG.map((v) => v.id);
  (config.users ?? []).forEach((user, userIndex) => {
    if (user.password !== undefined && user.passwordHash !== undefined) {
      report({ severity: 'error', path: ['users', userIndex], message: 'give either password or passwordHash, not both', key: 'passwordHash' });
    }
    if (user.password === undefined && user.passwordHash === undefined) {
      report({ severity: 'error', path: ['users', userIndex], message: `user ${user.login} has no password`, expected: 'password (${env:…} or ${file:…}) or passwordHash (from `sbsync users hash-password`)' });
    }
    for (const [code, list] of Object.entries(user.views)) {
      const company = companies.get(code);
      if (!company) {
        const suggestion = closest(code, [...companies.keys()]);
        report({
          severity: 'error',
          path: ['users', userIndex, 'views'],
          key: code,
          message: `unknown company ${code}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
          expected: `one of the codes under companies: ${[...companies.keys()].join(', ')}`,
          found: code,
        });
        continue;
      }
      const groups = viewGroupsEnabled(company);
      if (groups.size === 0) {
        report({ severity: 'warning', path: ['users', userIndex, 'views'], key: code, message: `company ${code} publishes no Business Mobile views, so ${user.login} will see nothing there`, expected: `companies[].services.businessMobile enabled for ${code}` });
        continue;
      }
      if (list === 'all') continue;
      list.forEach((id, viewIndex) => {
        const view = findView(id);
        if (!view) {
          const suggestion = closest(id, allIds);
          report({ severity: 'error', path: ['users', userIndex, 'views', code, viewIndex], message: `unknown view ${id}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`, expected: 'a view id from `sbsync views list`', found: id });
        } else if (!groups.has(view.group)) {
          const option = view.group === 'accounting' ? 'accountingViews' : 'commercialViews';
          report({ severity: 'warning', path: ['users', userIndex, 'views', code, viewIndex], message: `view ${id} is an ${view.group} view, which company ${code} does not publish`, expected: `companies[].services.businessMobile.${option}: true for ${code}` });
        }
      });
    }
  });
};

const schedule: Rule = (config, report) => {
  const s = config.schedule;
  if (!s) return;
  const at = ['schedule'];
  if (s.frequency === 'none') {
    for (const key of ['weekday', 'timesPerDay', 'intervalHours', 'startTime'] as const) {
      if (s[key] !== undefined) report({ severity: 'warning', path: at, key, message: `${key} is ignored with frequency: none` });
    }
    return;
  }
  if (s.frequency === 'weekly' && s.weekday === undefined) {
    report({ severity: 'error', path: at, message: 'a weekly schedule needs a weekday', expected: 'weekday: monday … sunday', key: 'frequency' });
  }
  if (s.frequency !== 'weekly' && s.weekday !== undefined) {
    report({ severity: 'error', path: [...at, 'weekday'], message: `weekday contradicts frequency: ${s.frequency}`, expected: 'frequency: weekly, or no weekday' });
  }
  const times = s.timesPerDay ?? 1;
  if (times > 1 && s.intervalHours === undefined) {
    report({ severity: 'error', path: [...at, 'timesPerDay'], message: `${times} runs a day need intervalHours (the hours between two runs)`, expected: 'intervalHours: 1 … 23' });
  }
  if (times === 1 && s.intervalHours !== undefined) {
    report({ severity: 'error', path: [...at, 'intervalHours'], message: 'intervalHours contradicts a single run a day', expected: 'timesPerDay greater than 1, or no intervalHours' });
  }
  if (times > 1 && s.intervalHours !== undefined) {
    const [hh = 0, mm = 0] = (s.startTime ?? '06:00').split(':').map(Number);
    const lastRunMinutes = hh * 60 + mm + (times - 1) * s.intervalHours * 60;
    if (lastRunMinutes >= 24 * 60) {
      const maxTimes = Math.floor((24 * 60 - 1 - (hh * 60 + mm)) / (s.intervalHours * 60)) + 1;
      report({
        severity: 'error',
        path: [...at, 'timesPerDay'],
        message: `${times} runs every ${s.intervalHours} h from ${s.startTime ?? '06:00'} run past midnight (the last would start at ${formatMinutes(lastRunMinutes)})`,
        expected: `at most ${maxTimes} runs, an earlier startTime or a shorter interval`,
        found: String(times),
      });
    }
  }
};

function formatMinutes(total: number): string {
  const days = Math.floor(total / 1440);
  const m = total % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}${days > 0 ? ` the next day` : ''}`;
}

const proxy: Rule = (config, report) => {
  const p = config.proxy;
  if (!p) return;
  if (p.mode === 'manual') {
    if (p.url === undefined && p.host === undefined) {
      report({ severity: 'error', path: ['proxy'], key: 'mode', message: 'a manual proxy needs its address', expected: 'url: http://host:port, or host and port' });
    }
    if (p.url !== undefined && (p.host !== undefined || p.port !== undefined)) {
      report({ severity: 'error', path: ['proxy'], key: 'url', message: 'give either url or host + port, not both' });
    }
    if (p.host !== undefined && p.port === undefined) {
      report({ severity: 'error', path: ['proxy'], key: 'host', message: 'a proxy host needs a port', expected: 'port: 3128 (or the port your proxy listens on)' });
    }
    if ((p.user === undefined) !== (p.password === undefined)) {
      report({ severity: 'error', path: ['proxy'], key: p.user === undefined ? 'password' : 'user', message: 'proxy authentication needs both user and password' });
    }
  } else {
    const ignored = p.mode === 'system' ? (['url', 'host', 'port'] as const) : (['url', 'host', 'port', 'user', 'password'] as const);
    for (const key of ignored) {
      if (p[key] !== undefined) report({ severity: 'warning', path: ['proxy'], key, message: `${key} is ignored with mode: ${p.mode} (it applies to mode: manual)` });
    }
    if (p.mode === 'system' && (p.user === undefined) !== (p.password === undefined)) {
      report({ severity: 'error', path: ['proxy'], key: p.user === undefined ? 'password' : 'user', message: 'proxy authentication needs both user and password' });
    }
  }
};

const portalCredentials: Rule = (config, report) => {
  const url = config.portal.url;
  const remote = !url.startsWith('file:');
  if (url.startsWith('http:')) {
    const host = safeHostname(url);
    if (host !== undefined && !['localhost', '127.0.0.1', '[::1]', '::1'].includes(host)) {
      report({ severity: 'warning', path: ['portal', 'url'], message: `http:// sends passwords and data unencrypted to ${host}`, expected: 'an https:// address' });
    }
  }
  if (!remote) return;
  const needs = (service: 'dataManager' | 'businessMobile') =>
    config.companies.some((c) =>
      service === 'dataManager'
        ? c.services.dataManager?.accounting || c.services.dataManager?.commercial
        : c.services.businessMobile?.accountingViews || c.services.businessMobile?.commercialViews,
    );
  if (needs('dataManager') && !config.portal.dataManager) {
    report({ severity: 'error', path: ['portal'], key: 'url', message: 'a company publishes Data Manager data but the portal has no dataManager credentials', expected: 'portal.dataManager: { sageId, password }' });
  }
  if (needs('businessMobile') && !config.portal.businessMobile) {
    report({ severity: 'error', path: ['portal'], key: 'url', message: 'a company publishes Business Mobile views but the portal has no businessMobile credentials', expected: 'portal.businessMobile: { customerNumber, password }' });
  }
};

const companySources: Rule = (config, report) => {
  config.companies.forEach((company, index) => {
    const services = company.services;
    const anything =
      services.dataManager?.accounting || services.dataManager?.commercial || services.businessMobile?.accountingViews || services.businessMobile?.commercialViews;
    if (!anything) report({ severity: 'warning', path: ['companies', index, 'services'], message: `company ${company.code} publishes nothing`, expected: 'at least one of dataManager.accounting, dataManager.commercial, businessMobile.accountingViews, businessMobile.commercialViews' });
    if (company.source.type !== 'sqlserver') return;
    const connection = { ...config.database, ...company.source.connection };
    const at: PathSegment[] = ['companies', index, 'source'];
    if (connection.server === undefined) {
      report({ severity: 'error', path: at, key: 'type', message: `company ${company.code} reads SQL Server but no server is set`, expected: 'database.server (or source.connection.server)' });
    }
    const auth = connection.authentication ?? 'sql';
    if (connection.user === undefined || connection.password === undefined) {
      report({ severity: 'error', path: at, key: 'type', message: `company ${company.code} reads SQL Server but the database account is incomplete (${auth} authentication needs user and password)`, expected: 'database.user and database.password' });
    }
    if (auth === 'ntlm' && connection.domain === undefined) {
      report({ severity: 'error', path: at, key: 'type', message: `company ${company.code} uses ntlm authentication without a domain`, expected: 'database.domain: YOURDOMAIN' });
    }
    if (connection.server?.includes('\\') && connection.port !== undefined) {
      report({ severity: 'warning', path: ['database'], key: 'port', message: `port ${connection.port} is used instead of looking up the named instance ${connection.server}` });
    }
  });
};

const businessMobileUsers: Rule = (config, report) => {
  const mobile = config.companies.filter((c) => c.services.businessMobile?.accountingViews || c.services.businessMobile?.commercialViews);
  for (const company of mobile) {
    const hasUser = (config.users ?? []).some((u) => company.code in u.views);
    if (!hasUser) {
      const index = config.companies.indexOf(company);
      report({ severity: 'warning', path: ['companies', index, 'services', 'businessMobile'], message: `no user may see the views of ${company.code}`, expected: `a user with views: { ${company.code}: all }` });
    }
  }
};

function safeHostname(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

export const RULES: readonly Rule[] = [
  uniqueCompanyCodes,
  uniqueLogins,
  userViews,
  schedule,
  proxy,
  portalCredentials,
  companySources,
  businessMobileUsers,
];

/**
 * Runs every rule. With `shapeIsValid` false (the schema already failed) rules still run so the user gets
 * all errors at once, but a rule that trips over a malformed part is skipped instead of crashing.
 */
export function applyRules(config: SbsyncConfig, shapeIsValid = true): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const rule of RULES) {
    const found: RuleProblem[] = [];
    try {
      rule(config, (p) => found.push(p));
    } catch (error) {
      if (shapeIsValid) throw error;
      continue;
    }
    problems.push(...found);
  }
  return problems;
}

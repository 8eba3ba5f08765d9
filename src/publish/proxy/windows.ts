/**
 * The Windows proxy settings, read with Windows' own tools (never a shell) and parsed by pure functions
 * that the tests run on captured outputs (test/fixtures/windows-proxy/):
 *
 * - Internet Options ("IE"/WinINet settings): `reg query "HKCU\Software\Microsoft\Windows\CurrentVersion\
 *   Internet Settings"` — ProxyEnable, ProxyServer, ProxyOverride, AutoConfigURL, AutoDetect. When the
 *   group policy "Make proxy settings per-machine" is on (ProxySettingsPerUser = 0), the same values are
 *   read from HKLM instead, which is also what a task running as SYSTEM must use.
 * - WinHTTP (the machine-wide setting services use): `netsh winhttp show proxy`. Its labels are translated
 *   on French or German Windows, so the parser relies on the layout (`label :  value` lines), not the words.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Env } from '../../env.js';

export const INTERNET_SETTINGS_KEY = 'Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';
export const POLICY_KEY = 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';

/** Internet Options, from HKCU (per user) or HKLM (per machine, by policy). */
export interface InternetOptionsSettings {
  scope: 'user' | 'machine';
  proxyEnable: boolean;
  /** `host:port`, or per protocol `http=h:p;https=h:p;socks=h:p`. */
  proxyServer?: string;
  /** `;`-separated bypass entries, with `<local>` and wildcards. */
  proxyOverride?: string;
  /** The PAC file's address ("Use automatic configuration script"). */
  autoConfigUrl?: string;
  /** "Automatically detect settings" (WPAD): reported, not performed. */
  autoDetect: boolean;
}

/** WinHTTP's machine-wide proxy; no `proxyServer` means direct access. */
export interface WinHttpSettings {
  proxyServer?: string;
  bypassList?: string;
}

export interface WindowsInternetSettings {
  internetOptions?: InternetOptionsSettings;
  winHttp?: WinHttpSettings;
  /** What could not be read, for the diagnosis (never fatal: the next source is tried). */
  problems: string[];
}

export interface RegValue {
  type: string;
  value: string;
}

/**
 * The values of the first key in `reg query` output, by lower-cased name. Lines look like
 * `    ProxyServer    REG_SZ    proxy:8080` (four-space separators, names may contain spaces,
 * the value may be empty); subkeys are listed after as bare `HKEY_…` lines and are ignored.
 */
export function parseRegQuery(output: string): Map<string, RegValue> {
  const values = new Map<string, RegValue>();
  let headers = 0;
  for (const line of output.split(/\r?\n/)) {
    if (/^HKEY_/i.test(line)) {
      headers += 1;
      if (headers > 1) break;
      continue;
    }
    const match = /^\s+(.+?)\s{2,}(REG_[A-Z_]+)(?:\s{2,}(.*?))?\s*$/.exec(line);
    if (match) values.set(match[1]!.toLowerCase(), { type: match[2]!, value: match[3] ?? '' });
  }
  return values;
}

function dword(value: RegValue | undefined): number | undefined {
  if (value === undefined || value.type !== 'REG_DWORD') return undefined;
  const n = Number.parseInt(value.value, value.value.toLowerCase().startsWith('0x') ? 16 : 10);
  return Number.isNaN(n) ? undefined : n;
}

function text(value: RegValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** `reg query "…\Internet Settings"` output → the proxy-related Internet Options. */
export function parseInternetOptions(output: string, scope: 'user' | 'machine'): InternetOptionsSettings {
  const values = parseRegQuery(output);
  const settings: InternetOptionsSettings = {
    scope,
    proxyEnable: dword(values.get('proxyenable')) === 1,
    autoDetect: dword(values.get('autodetect')) === 1,
  };
  const proxyServer = text(values.get('proxyserver'));
  const proxyOverride = text(values.get('proxyoverride'));
  const autoConfigUrl = text(values.get('autoconfigurl'));
  if (proxyServer !== undefined) settings.proxyServer = proxyServer;
  if (proxyOverride !== undefined) settings.proxyOverride = proxyOverride;
  if (autoConfigUrl !== undefined) settings.autoConfigUrl = autoConfigUrl;
  return settings;
}

/** The policy value ProxySettingsPerUser: 0 means the Internet Options are per machine (HKLM). */
export function parseProxySettingsPerUser(output: string): boolean {
  return dword(parseRegQuery(output).get('proxysettingsperuser')) !== 0;
}

/**
 * `netsh winhttp show proxy` output. Direct access prints one sentence and no `label :  value` line;
 * a proxy prints `Proxy Server(s) :  host:port` then `Bypass List     :  list` (or `(none)`), with the
 * labels translated on non-English Windows — hence first value line = proxy, second = bypass list.
 */
export function parseNetshWinHttp(output: string): WinHttpSettings {
  const values: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s+\S.*?\s:\s+(\S.*?)\s*$/.exec(line);
    if (match) values.push(match[1]!);
  }
  const [server, bypass] = values;
  const settings: WinHttpSettings = {};
  if (server !== undefined && !isNoneMarker(server)) settings.proxyServer = server;
  if (bypass !== undefined && !isNoneMarker(bypass)) settings.bypassList = bypass;
  return settings;
}

/** `(none)`, `(aucun)`, `(keine)`: netsh's placeholder for an empty list, in any language. */
function isNoneMarker(value: string): boolean {
  return /^\(.*\)$/.test(value);
}

export interface ProxyServerList {
  /** An entry without `protocol=`: used for every protocol without its own entry. */
  all?: string;
  http?: string;
  https?: string;
  socks?: string;
}

/**
 * Internet Options' ProxyServer or WinHTTP's proxy list: `host:port`, `http=h:p;https=h:p;ftp=h:p`,
 * `socks=h:p`, entries separated by `;` or spaces, values possibly written as `http://h:p`.
 */
export function parseProxyServerList(value: string): ProxyServerList {
  const list: ProxyServerList = {};
  for (const entry of value.split(/[\s;]+/).filter((e) => e !== '')) {
    const match = /^([a-z]+)=(.*)$/i.exec(entry);
    if (!match) {
      list.all ??= entry;
      continue;
    }
    const protocol = match[1]!.toLowerCase();
    const server = match[2]!;
    if (server === '') continue;
    if (protocol === 'http' || protocol === 'https' || protocol === 'socks') list[protocol] ??= server;
  }
  return list;
}

/**
 * The proxy Windows would use for a URL of `protocol`: its own entry, else the entry for all protocols,
 * else the SOCKS entry (WinINet sends protocols without an entry to SOCKS); none means direct.
 */
export function pickProxyServer(
  list: ProxyServerList,
  protocol: 'http:' | 'https:',
): { kind: 'http' | 'socks'; server: string } | undefined {
  const own = protocol === 'https:' ? list.https : list.http;
  if (own !== undefined) return { kind: 'http', server: own };
  if (list.all !== undefined) return { kind: 'http', server: list.all };
  if (list.socks !== undefined) return { kind: 'socks', server: list.socks };
  return undefined;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}
export type CommandRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;

/** Runs a Windows tool without a shell; a non-zero exit is a result (reg exits 1 for a missing key), not a throw. */
export const execFileRunner: CommandRunner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { windowsHide: true, timeout: 15_000, encoding: 'latin1', maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });

/** reg.exe / netsh.exe from System32, so a PATH entry cannot substitute them. */
function systemTool(env: Env, name: string): string {
  return path.win32.join(env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? 'C:\\Windows', 'System32', name);
}

function firstLine(result: CommandResult): string {
  return (result.stderr.trim() || result.stdout.trim()).split(/\r?\n/)[0] ?? `exit code ${result.code}`;
}

/** Reads the Internet Options and WinHTTP settings. Call only on Windows. */
export async function readWindowsInternetSettings(deps: { env: Env; run?: CommandRunner }): Promise<WindowsInternetSettings> {
  const run = deps.run ?? execFileRunner;
  const reg = systemTool(deps.env, 'reg.exe');
  const netsh = systemTool(deps.env, 'netsh.exe');
  const settings: WindowsInternetSettings = { problems: [] };
  const attempt = async (what: string, file: string, args: string[]): Promise<CommandResult | undefined> => {
    try {
      return await run(file, args);
    } catch (error) {
      settings.problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  // Exit code 1 = the policy key or value does not exist: per-user settings, the default.
  const policy = await attempt('reading the proxy policy', reg, ['query', POLICY_KEY, '/v', 'ProxySettingsPerUser']);
  const scope = policy?.code === 0 && !parseProxySettingsPerUser(policy.stdout) ? 'machine' : 'user';
  const key = `${scope === 'machine' ? 'HKLM' : 'HKCU'}\\${INTERNET_SETTINGS_KEY}`;
  const options = await attempt('reading Internet Options', reg, ['query', key]);
  if (options?.code === 0) settings.internetOptions = parseInternetOptions(options.stdout, scope);
  else if (options) settings.problems.push(`reg query "${key}" failed: ${firstLine(options)}`);

  const winHttp = await attempt('reading the WinHTTP proxy', netsh, ['winhttp', 'show', 'proxy']);
  if (winHttp?.code === 0) settings.winHttp = parseNetshWinHttp(winHttp.stdout);
  else if (winHttp) settings.problems.push(`netsh winhttp show proxy failed: ${firstLine(winHttp)}`);
  return settings;
}

/** The Windows readers' parsers, on samples of reg.exe and netsh output (test/fixtures/windows-proxy/). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseInternetOptions,
  parseNetshWinHttp,
  parseProxyServerList,
  parseProxySettingsPerUser,
  parseRegQuery,
  pickProxyServer,
  readWindowsInternetSettings,
  type CommandRunner,
} from '../../src/publish/proxy/windows.js';

const sample = (name: string) => readFileSync(new URL(`../fixtures/windows-proxy/${name}`, import.meta.url), 'latin1');

describe('reg query output', () => {
  it('reads the values of the key, ignoring subkeys, with names containing spaces and empty values', () => {
    const values = parseRegQuery(sample('reg-hkcu-direct-autodetect.txt'));
    expect(values.get('user agent')).toEqual({ type: 'REG_SZ', value: 'Mozilla/4.0 (compatible; MSIE 8.0; Win32)' });
    expect(values.get('proxyenable')).toEqual({ type: 'REG_DWORD', value: '0x0' });
    expect(values.get('proxyserver')).toEqual({ type: 'REG_SZ', value: '' });
    expect(values.has('5.0')).toBe(false);
  });

  it('Internet Options: manual proxy per protocol with ProxyOverride', () => {
    expect(parseInternetOptions(sample('reg-hkcu-manual-per-protocol.txt'), 'user')).toEqual({
      scope: 'user',
      proxyEnable: true,
      autoDetect: false,
      proxyServer: 'http=proxy.acme.local:8080;https=proxy-ssl.acme.local:8443;ftp=proxy.acme.local:2121;socks=socks.acme.local:1080',
      proxyOverride: '*.acme.local;10.*;192.168.1.*;intranet;<local>',
    });
  });

  it('Internet Options: one proxy for everything', () => {
    expect(parseInternetOptions(sample('reg-hkcu-manual-single.txt'), 'user')).toMatchObject({
      proxyEnable: true,
      proxyServer: 'proxy.acme.local:3128',
      proxyOverride: '<local>',
    });
  });

  it('Internet Options: a PAC address, with a disabled manual proxy left over', () => {
    expect(parseInternetOptions(sample('reg-hkcu-pac.txt'), 'user')).toEqual({
      scope: 'user',
      proxyEnable: false,
      autoDetect: false,
      proxyServer: 'oldproxy.acme.local:8080',
      autoConfigUrl: 'http://wpad.acme.local/proxy.pac',
    });
  });

  it('Internet Options: nothing configured but "Automatically detect settings"', () => {
    expect(parseInternetOptions(sample('reg-hkcu-direct-autodetect.txt'), 'user')).toEqual({ scope: 'user', proxyEnable: false, autoDetect: true });
  });

  it('the per-machine policy', () => {
    expect(parseProxySettingsPerUser(sample('reg-policy-per-machine.txt'))).toBe(false);
    expect(parseProxySettingsPerUser('')).toBe(true);
  });
});

describe('netsh winhttp show proxy output', () => {
  it.each([
    ['netsh-winhttp-direct.txt', {}],
    ['netsh-winhttp-direct-fr.txt', {}],
    ['netsh-winhttp-proxy.txt', { proxyServer: 'proxy.acme.local:3128', bypassList: '*.acme.local;<local>' }],
    ['netsh-winhttp-proxy-fr.txt', { proxyServer: 'proxy.acme.local:3128' }],
    ['netsh-winhttp-per-protocol-no-bypass.txt', { proxyServer: 'http=proxy.acme.local:8080;https=proxy-ssl.acme.local:8443' }],
  ])('%s', (name, expected) => {
    expect(parseNetshWinHttp(sample(name))).toEqual(expected);
  });
});

describe('proxy server lists', () => {
  it('per protocol: each protocol its own proxy, none for the others but SOCKS', () => {
    const list = parseProxyServerList('http=proxy.acme.local:8080;https=proxy-ssl.acme.local:8443;ftp=proxy.acme.local:2121;socks=socks.acme.local:1080');
    expect(pickProxyServer(list, 'https:')).toEqual({ kind: 'http', server: 'proxy-ssl.acme.local:8443' });
    expect(pickProxyServer(list, 'http:')).toEqual({ kind: 'http', server: 'proxy.acme.local:8080' });
    expect(pickProxyServer(parseProxyServerList('http=a:1;socks=s:1080'), 'https:')).toEqual({ kind: 'socks', server: 's:1080' });
    expect(pickProxyServer(parseProxyServerList('http=a:1'), 'https:')).toBeUndefined();
  });

  it('one proxy for all, WinHTTP spellings with schemes and spaces', () => {
    expect(pickProxyServer(parseProxyServerList('proxy:3128'), 'https:')).toEqual({ kind: 'http', server: 'proxy:3128' });
    const winhttp = parseProxyServerList('http=http://a:80 other:8080');
    expect(pickProxyServer(winhttp, 'http:')).toEqual({ kind: 'http', server: 'http://a:80' });
    expect(pickProxyServer(winhttp, 'https:')).toEqual({ kind: 'http', server: 'other:8080' });
  });
});

describe('readWindowsInternetSettings', () => {
  const env = { SystemRoot: 'C:\\Windows' };
  function runner(answers: Record<string, { code: number; stdout?: string; stderr?: string }>): { run: CommandRunner; calls: string[] } {
    const calls: string[] = [];
    const run: CommandRunner = async (file, args) => {
      const call = `${file} ${args.join(' ')}`;
      calls.push(call);
      const key = Object.keys(answers).find((k) => call.includes(k));
      const answer = key === undefined ? { code: 1, stderr: sample('reg-not-found.txt') } : answers[key]!;
      return { code: answer.code, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
    };
    return { run, calls };
  }

  it('runs reg.exe and netsh.exe from System32 and reads HKCU when no policy applies', async () => {
    const { run, calls } = runner({
      'query HKCU\\': { code: 0, stdout: sample('reg-hkcu-pac.txt') },
      'winhttp show proxy': { code: 0, stdout: sample('netsh-winhttp-proxy.txt') },
    });
    const settings = await readWindowsInternetSettings({ env, run });
    expect(calls).toEqual([
      'C:\\Windows\\System32\\reg.exe query HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings /v ProxySettingsPerUser',
      'C:\\Windows\\System32\\reg.exe query HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings',
      'C:\\Windows\\System32\\netsh.exe winhttp show proxy',
    ]);
    expect(settings).toEqual({
      internetOptions: { scope: 'user', proxyEnable: false, autoDetect: false, proxyServer: 'oldproxy.acme.local:8080', autoConfigUrl: 'http://wpad.acme.local/proxy.pac' },
      winHttp: { proxyServer: 'proxy.acme.local:3128', bypassList: '*.acme.local;<local>' },
      problems: [],
    });
  });

  it('reads HKLM when the policy makes proxy settings per machine', async () => {
    const { run } = runner({
      'ProxySettingsPerUser': { code: 0, stdout: sample('reg-policy-per-machine.txt') },
      'query HKLM\\Software\\Microsoft': { code: 0, stdout: sample('reg-hklm-manual.txt') },
      'winhttp show proxy': { code: 0, stdout: sample('netsh-winhttp-direct.txt') },
    });
    const settings = await readWindowsInternetSettings({ env, run });
    expect(settings.internetOptions).toMatchObject({ scope: 'machine', proxyEnable: true, proxyServer: 'proxy.acme.local:3128' });
    expect(settings.winHttp).toEqual({});
  });

  it('reports what failed instead of throwing', async () => {
    const run: CommandRunner = async (file) => {
      if (file.endsWith('netsh.exe')) throw Object.assign(new Error('spawn netsh.exe ENOENT'), { code: 'ENOENT' });
      return { code: 1, stdout: '', stderr: sample('reg-not-found.txt') };
    };
    const settings = await readWindowsInternetSettings({ env, run });
    expect(settings.internetOptions).toBeUndefined();
    expect(settings.problems).toEqual([
      'reg query "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings" failed: ERROR: The system was unable to find the specified registry key or value.',
      'reading the WinHTTP proxy: spawn netsh.exe ENOENT',
    ]);
  });
});

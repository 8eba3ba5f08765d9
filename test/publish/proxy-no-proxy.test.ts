import { describe, expect, it } from 'vitest';
import { isLoopback, matchBypass, splitBypassList } from '../../src/publish/proxy/no-proxy.js';

describe('bypass lists (NO_PROXY, proxy.noProxy, ProxyOverride)', () => {
  it.each([
    // [target, entries, expected match]
    ['https://portal.acme.fr/', ['portal.acme.fr'], 'portal.acme.fr'],
    ['https://PORTAL.Acme.FR./v1', ['portal.acme.fr'], 'portal.acme.fr'],
    ['https://portal.acme.fr/', ['acme.fr'], 'acme.fr'], // a domain covers its subdomains
    ['https://notacme.fr/', ['acme.fr'], undefined], // …but only on a dot boundary
    ['https://acme.fr/', ['.acme.fr'], '.acme.fr'],
    ['https://a.b.acme.fr/', ['.acme.fr'], '.acme.fr'],
    ['https://a.acme.fr/', ['*.acme.fr'], '*.acme.fr'],
    ['https://acme.fr/', ['*.acme.fr'], undefined], // a wildcard is literal, as in Windows
    ['https://portal.acme.fr/', ['*'], '*'],
    ['https://portal.acme.fr/', ['other.fr', ' ', 'ACME.FR'], 'ACME.FR'],
    ['https://portal.acme.fr/', ['portal.acme.fr:443'], 'portal.acme.fr:443'],
    ['https://portal.acme.fr/', ['portal.acme.fr:8443'], undefined],
    ['http://portal.acme.fr/', ['portal.acme.fr:80'], 'portal.acme.fr:80'],
    ['https://portal.acme.fr:8443/', ['.acme.fr:8443'], '.acme.fr:8443'],
    ['https://10.1.2.3/', ['10.1.2.3'], '10.1.2.3'],
    ['https://10.1.2.3/', ['10.1.2.4'], undefined],
    ['https://10.1.2.3/', ['10.*'], '10.*'],
    ['https://10.1.2.3/', ['10.0.0.0/8'], '10.0.0.0/8'],
    ['https://11.1.2.3/', ['10.0.0.0/8'], undefined],
    ['https://[fd00::5]/', ['fd00::/8'], 'fd00::/8'],
    ['https://[fd00::5]:8443/', ['[fd00::5]:8443'], '[fd00::5]:8443'],
    ['https://[fd00::5]/', ['fd00::5'], 'fd00::5'],
    ['https://intranet/', ['<local>'], '<local>'],
    ['https://intranet.acme.fr/', ['<local>'], undefined],
    ['https://10.1.2.3/', ['<local>'], undefined],
    ['https://sage-web.acme.fr/', ['*web*'], '*web*'],
    ['https://portal.acme.fr/', [], undefined],
  ])('%s with %j → %s', (target, entries, expected) => {
    expect(matchBypass(new URL(target), entries)).toBe(expected);
  });

  it('splits NO_PROXY and ProxyOverride text on commas, semicolons and spaces', () => {
    expect(splitBypassList('localhost, .acme.fr;10.*  <local>,,')).toEqual(['localhost', '.acme.fr', '10.*', '<local>']);
    expect(splitBypassList(undefined)).toEqual([]);
  });

  it.each([
    ['localhost', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['localhost.acme.fr', false],
    ['portal.acme.fr', false],
  ])('loopback %s → %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});

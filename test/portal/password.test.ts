import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { hashPassword, isPasswordHash, verifyPassword, DEFAULT_SCRYPT_COST } from '../../src/portal/password.js';
import { accountsFromCredentials, loadPortalAccounts } from '../../src/portal/accounts.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir } from './helpers.js';

describe('password hashes', () => {
  it('hashes with scrypt, a random salt and the parameters in the string', async () => {
    const hash = await hashPassword('correct horse');
    const [scheme, cost, blockSize, parallelization, salt, key] = hash.split('$');
    expect([scheme, cost, blockSize, parallelization]).toEqual(['scrypt', String(DEFAULT_SCRYPT_COST), '8', '1']);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
    expect(await hashPassword('correct horse')).not.toBe(hash);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horse ', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('matches the passwordHash pattern of the config schema', async () => {
    const schema = JSON.parse(readFileSync(new URL('../../schema/config.schema.json', import.meta.url), 'utf8'));
    const pattern = new RegExp(schema.definitions.User.properties.passwordHash.pattern);
    expect(await hashPassword('x', { cost: 1024 })).toMatch(pattern);
  });

  it('is deterministic for a given salt and treats composed and decomposed accents alike', async () => {
    const salt = Buffer.alloc(16, 7);
    const composed = await hashPassword('café', { cost: 1024, salt });
    expect(await hashPassword('café', { cost: 1024, salt })).toBe(composed);
    expect(await verifyPassword('cafe\u0301', composed)).toBe(true);
  });

  it('refuses malformed, tampered and abusive hashes', async () => {
    const hash = await hashPassword('secret', { cost: 1024 });
    const parts = hash.split('$');
    const tamperedKey = [...parts.slice(0, 5), Buffer.alloc(32, 1).toString('base64')].join('$');
    expect(await verifyPassword('secret', tamperedKey)).toBe(false);
    for (const bad of [
      '',
      'secret',
      'bcrypt$10$abc',
      hash.replace('scrypt$1024', 'scrypt$1000'),
      hash.replace('scrypt$1024', `scrypt$${2 ** 24}`),
    ]) {
      expect(isPasswordHash(bad)).toBe(false);
      expect(await verifyPassword('secret', bad)).toBe(false);
    }
    expect(isPasswordHash(hash)).toBe(true);
  });
});

describe('publisher accounts', () => {
  it('loads an accounts file and builds accounts from credentials', async () => {
    const dir = await tempDir();
    const accounts = await accountsFromCredentials(
      {
        dataManager: { sageId: 'compta@acme.fr', password: 'pw' },
        businessMobile: { customerNumber: '42', password: 'pw2' },
      },
      { cost: 1024 },
    );
    expect(await verifyPassword('pw2', accounts.businessMobile[0]!.passwordHash)).toBe(true);
    const file = join(dir, 'accounts.json');
    await writeFile(file, JSON.stringify(accounts));
    expect(await loadPortalAccounts(file)).toEqual(accounts);
    await writeFile(file, JSON.stringify({ businessMobile: [{ customerNumber: '42', password: 'clear' }] }));
    await expect(loadPortalAccounts(file)).rejects.toThrow(ConfigError);
    await expect(loadPortalAccounts(file)).rejects.toThrow(/unknown property "password"/);
    await expect(loadPortalAccounts(join(dir, 'missing.json'))).rejects.toThrow(/Cannot read the portal accounts file/);
  });
});

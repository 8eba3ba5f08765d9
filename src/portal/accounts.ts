/**
 * Publisher accounts of a reference portal: who may publish, per service. `sbsync portal serve` reads
 * them from a JSON file (schema/portal/accounts.json) holding only password hashes, or builds them from
 * the `portal:` credentials of the config so a local portal accepts the configured publisher.
 */
import { readFile as nodeReadFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { hashPassword, type PasswordHashOptions } from './password.js';
import { schemaProblems } from './schemas.js';
import type { PublisherAccounts } from './server.js';

export type { PublisherAccounts } from './server.js';

export async function loadPortalAccounts(
  path: string,
  readFile: (path: string, encoding: 'utf8') => Promise<string> = nodeReadFile,
): Promise<PublisherAccounts> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the portal accounts file ${path}: ${(error as Error).message}`, [], {
      hint: 'Create it as described in docs/portal-protocol.md ("Publisher accounts"), with hashes from `sbsync users hash-password`.',
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The portal accounts file ${path} is not valid JSON: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  const problems = schemaProblems('accounts', value);
  if (problems.length > 0) {
    throw new ConfigError(`The portal accounts file ${path} is invalid: ${problems.join('; ')}.`, [], {
      hint: 'Each account needs its identifier and a passwordHash (scrypt$…), never a clear password.',
    });
  }
  const accounts = value as Partial<PublisherAccounts>;
  return { dataManager: accounts.dataManager ?? [], businessMobile: accounts.businessMobile ?? [] };
}

export interface PublisherCredentials {
  dataManager?: { sageId: string; password: string };
  businessMobile?: { customerNumber: string; password: string };
}

/** Accounts accepting exactly the given credentials (hashed here; the clear passwords are not kept). */
export async function accountsFromCredentials(
  credentials: PublisherCredentials,
  options: PasswordHashOptions = {},
): Promise<PublisherAccounts> {
  const accounts: PublisherAccounts = { dataManager: [], businessMobile: [] };
  if (credentials.dataManager) {
    accounts.dataManager.push({
      sageId: credentials.dataManager.sageId,
      passwordHash: await hashPassword(credentials.dataManager.password, options),
    });
  }
  if (credentials.businessMobile) {
    accounts.businessMobile.push({
      customerNumber: credentials.businessMobile.customerNumber,
      passwordHash: await hashPassword(credentials.businessMobile.password, options),
    });
  }
  return accounts;
}

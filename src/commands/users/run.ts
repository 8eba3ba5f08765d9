/** Business Mobile users: list them, show what a user types on the phone, hash a password for the config. */
import type { CommandDeps } from '../../context.js';
import { UsageError } from '../../errors.js';

export interface UsersListResult {
  users: { name: string; login: string; companies: Record<string, string[]>; credential: 'password' | 'passwordHash' }[];
}

export async function runUsersList(deps: CommandDeps): Promise<UsersListResult> {
  const config = await deps.loadConfig();
  return {
    users: config.users.map((u) => ({
      name: u.name,
      login: u.login,
      companies: u.views,
      credential: u.password !== undefined ? 'password' : 'passwordHash',
    })),
  };
}

export interface ShowConnectionOptions {
  login: string;
  showPassword: boolean;
}

export interface ShowConnectionResult {
  name: string;
  portal: string;
  companies: { code: string; name: string; views: string[] }[];
  login: string;
  /** Present only with --show-password and when the config holds the password itself. */
  password?: string;
  passwordNote: string;
}

export async function runShowConnection(options: ShowConnectionOptions, deps: CommandDeps): Promise<ShowConnectionResult> {
  const config = await deps.loadConfig();
  const user = config.users.find((u) => u.login.toLowerCase() === options.login.toLowerCase());
  if (!user) {
    throw new UsageError(`no user with login ${options.login} in the config`, {
      hint: `Known logins: ${config.users.map((u) => u.login).join(', ') || 'none'} (\`sbsync users list\`).`,
    });
  }
  const result: ShowConnectionResult = {
    name: user.name,
    portal: config.portal.url,
    companies: Object.entries(user.views).map(([code, views]) => ({ code, name: config.companies.find((c) => c.code === code)?.name ?? code, views })),
    login: user.login,
    passwordNote: user.password === undefined
      ? 'not stored in the config (passwordHash): the user keeps the password given to them'
      : options.showPassword
        ? 'shown on request'
        : `hidden (add --show-password to print it)`,
  };
  if (options.showPassword && user.password !== undefined) {
    // The one place a secret is printed on purpose: the redactor must let it through.
    result.password = user.password;
  }
  return result;
}

export interface HashPasswordResult {
  passwordHash: string;
}

export async function runHashPassword(deps: CommandDeps): Promise<HashPasswordResult> {
  if (deps.terminal.stdinIsTTY) {
    throw new UsageError('type the password through standard input, so it does not stay in the shell history', {
      hint: 'PowerShell: Read-Host -AsSecureString is awkward; simplest: `type pw.txt | sbsync users hash-password`, then delete pw.txt. Linux: `read -s PW; printf %s "$PW" | sbsync users hash-password`.',
    });
  }
  const password = (await deps.readStdin()).replace(/\r?\n$/, '');
  if (password.length < 8) throw new UsageError('the password must have at least 8 characters');
  deps.redactor.add(password);
  const { hashPassword } = await import('../../portal/password.js');
  return { passwordHash: await hashPassword(password) };
}

import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';
import { table } from '../render.js';

export const usersCommand: CommandModule = {
  register(program: Command, runner) {
    const users = program.command('users').description('Business Mobile users: list, connection details, password hashes');
    users
      .command('list')
      .description('list the users with their views per company')
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runUsersList(deps), (r, deps) => {
          const c = deps.io.chalk;
          const rows = r.users.map((u) => [u.login, u.name, Object.entries(u.companies).map(([code, views]) => `${code} (${views.length} views)`).join(', ')]);
          deps.io.out(`${table([[c.bold('login'), c.bold('name'), c.bold('companies')], ...rows])}\n`);
        }),
      );
    users
      .command('show-connection')
      .description('what the user types on the phone: portal address, company code(s), login')
      .argument('<login>', 'the user login')
      .addOption(new Option('--show-password', 'also print the password (only when the config holds it)'))
      .action(async (login: string, opts: { showPassword?: boolean }, cmd: Command) =>
        runner.run(
          cmd,
          async (deps) => {
            const run = await import('./run.js');
            const result = await run.runShowConnection({ login, showPassword: opts.showPassword === true }, deps);
            // Printing the password was asked for explicitly: let this one value through the redactor.
            if (result.password !== undefined) deps.redactor.allow(result.password);
            return result;
          },
          (r, deps) => {
            const c = deps.io.chalk;
            deps.io.out(
              `${table([
                ['User', r.name],
                ['Portal', r.portal],
                ['Company code', r.companies.map((co) => `${co.code} (${co.name})`).join(', ')],
                ['Login', r.login],
                ['Password', r.password ?? c.dim(r.passwordNote)],
              ])}\n`,
            );
          },
        ),
      );
    users
      .command('hash-password')
      .description('read a password on standard input and print its salted hash, for passwordHash: in the config')
      .addHelpText('after', '\nExample (Linux):   read -s PW; printf %s "$PW" | sbsync users hash-password\nExample (Windows): type pw.txt | sbsync users hash-password   (then delete pw.txt)')
      .action(async (_opts, cmd: Command) =>
        runner.run(cmd, async (deps) => (await import('./run.js')).runHashPassword(deps), (r, deps) => deps.io.out(`${r.passwordHash}\n`)),
      );
  },
};

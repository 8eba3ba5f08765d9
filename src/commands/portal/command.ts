import { Option, type Command } from 'commander';
import type { CommandModule } from '../../cli.js';

export const portalCommand: CommandModule = {
  register(program: Command, runner) {
    const portal = program.command('portal').description('the reference portal');
    portal
      .command('serve')
      .description('run the reference portal (the publication protocol and the mobile side) on a store directory')
      .addOption(new Option('--store <dir>', 'store directory (default: the file: directory of the config’s portal)'))
      .addOption(new Option('--host <host>', 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)'))
      .addOption(new Option('--port <n>', 'port to listen on (default 8080)').argParser((v) => Number(v)))
      .addOption(new Option('--accounts <file>', 'publisher accounts (JSON, password hashes; default <store>/accounts.json)'))
      .addHelpText('after', '\nStops cleanly on Ctrl-C or SIGTERM (requests in flight finish).\nExample:\n  sbsync portal serve --store D:\\sbsync\\portal --host 0.0.0.0 --port 8443')
      .action(async (opts: { store?: string; host?: string; port?: number; accounts?: string }, cmd: Command) =>
        runner.run(cmd, async (deps) => {
          const run = await import('./run.js');
          return run.runPortalServe(run.resolvePortalServeOptions(opts), deps);
        }, (r, deps) => deps.io.out(`portal ${r.url} stopped\n`)),
      );
  },
};

/**
 * The CLI: builds the commander program from the command registry, runs one command and renders its
 * result or its error — the only place where results become text and errors become exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { COMMANDS } from './commands/index.js';
import { createCommandDeps, type CommandDeps, type GlobalFlags } from './context.js';
import type { Deps } from './deps.js';
import { envFlag } from './env.js';
import { ConfigError, ExitCode, isSbsyncError, UsageError } from './errors.js';
import { createIO, type IO } from './io.js';
import { createLogger, logLevelFrom } from './logger.js';
import { Redactor } from './redact.js';
import { renderDiagnostic } from './config/diagnostics.js';
import path from 'node:path';
import { localTimestamp } from './time.js';

export interface CommandOutcome {
  /** Exit code the result calls for (0 when absent). */
  exitCode?: number;
}

export interface Runner {
  /**
   * Runs a command action: builds its deps from the global flags, calls `fn`, then prints the result
   * (`render` for people, the result itself as one JSON document with --json).
   */
  run<R extends object>(command: Command, fn: (deps: CommandDeps) => Promise<R>, render: (result: R, deps: CommandDeps) => void): Promise<void>;
}

export interface CommandModule {
  register(program: Command, runner: Runner): void;
}

const ISSUES_URL = 'https://github.com/sbsync/sbsync/issues/new';

export function buildProgram(deps: Deps, runner: Runner): Command {
  const program = new Command('sbsync');
  program
    .description('Publish Sage 100 indicators and data to a web portal (an open re-creation of Sage Business Sync).')
    .version(deps.version, '-V, --version', 'print the version')
    .addOption(new Option('-c, --config <file>', 'config file (default: ./sbsync.yaml, then $SBSYNC_CONFIG, then the platform config folder)'))
    .addOption(new Option('--json', 'print the result as one JSON document on stdout'))
    .addOption(new Option('-q, --quiet', 'print only errors and the final result').conflicts('verbose'))
    .addOption(new Option('-v, --verbose', 'print more detail on stderr'))
    .addOption(new Option('--debug', 'print debug detail, error causes and stacks (also SBSYNC_DEBUG=1)'))
    .addOption(new Option('--no-color', 'no colour (also NO_COLOR)'))
    .addOption(new Option('--log-file <file>', 'also write a debug-level log (NDJSON, secrets redacted) to this file'))
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.terminal.stdout.write(text),
      writeErr: (text) => deps.terminal.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 a publication or operation failed, 2 usage or config error,
            3 success with warnings (only with --strict), 4 authentication refused, 130 interrupted.
Start with: sbsync check          (uses ./sbsync.yaml, or the embedded demo default)
Docs:       README.md and docs/ in the package.`,
    );
  for (const module of COMMANDS) module.register(program, runner);
  // Subcommands share the parent's output settings and exit override.
  for (const command of program.commands) configureTree(command, program);
  return program;
}

function configureTree(command: Command, root: Command): void {
  command.exitOverride().configureOutput(root.configureOutput()).showHelpAfterError('(add --help for usage)');
  for (const child of command.commands) configureTree(child, root);
}

function globalFlagsOf(command: Command, env: Deps['env']): GlobalFlags {
  const raw = command.optsWithGlobals<{ config?: string; json?: boolean; quiet?: boolean; verbose?: boolean; debug?: boolean; color?: boolean; logFile?: string }>();
  const flags: GlobalFlags = {
    json: raw.json === true,
    quiet: raw.quiet === true,
    verbose: raw.verbose === true,
    debug: raw.debug === true || envFlag(env, 'SBSYNC_DEBUG'),
    color: raw.color !== false,
  };
  if (raw.config !== undefined) flags.config = raw.config;
  if (raw.logFile !== undefined) flags.logFile = raw.logFile;
  return flags;
}

/** Runs sbsync with `argv` (without node and script) and returns the exit code. Never exits the process. */
export async function runCli(argv: readonly string[], deps: Deps): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let active: { io: IO; flags: GlobalFlags } | undefined;

  const runner: Runner = {
    async run(command, fn, render) {
      const flags = globalFlagsOf(command, deps.env);
      const redactor = new Redactor();
      const io = createIO(deps.terminal, flags, deps.env, redactor);
      const logFile = flags.logFile === undefined ? undefined : deps.openLogFile(path.resolve(deps.cwd, flags.logFile));
      // The log file takes every level, debug included, whatever the terminal shows.
      const logLine = (entry: object) => logFile?.write(redactor.redact(JSON.stringify({ time: localTimestamp(deps.clock.now()), pid: deps.pid, command: command.name(), ...entry })));
      const logger = createLogger(io, logLevelFrom(flags), logFile && ((level, message) => logLine({ level, message })));
      active = { io, flags };
      const commandDeps = createCommandDeps(deps, io, logger, redactor, flags);
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(commandDeps);
        logLine({ level: 'result', result });
      } catch (error) {
        logLine({ level: 'error', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
        throw error;
      } finally {
        logFile?.close();
      }
      exitCode = (result as CommandOutcome).exitCode ?? ExitCode.ok;
      if (flags.json) {
        const { exitCode: _code, ...rest } = result as CommandOutcome & Record<string, unknown>;
        io.out(`${JSON.stringify({ schemaVersion: 1, ok: exitCode === ExitCode.ok, ...rest }, null, 2)}\n`);
      } else {
        render(result, commandDeps);
      }
    },
  };

  const program = buildProgram(deps, runner);
  if (argv.length === 0) {
    deps.terminal.stdout.write(program.helpInformation());
    return ExitCode.ok;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {

    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return ExitCode.ok;
      // commander already printed the message and the usage hint.
      if (argv.includes('--json')) deps.terminal.stdout.write(`${JSON.stringify(errorDocument(new UsageError(error.message.replace(/^error: /, ''))))}\n`);
      return ExitCode.usage;
    }
    const fallbackFlags: GlobalFlags = { json: argv.includes('--json'), quiet: false, verbose: false, debug: argv.includes('--debug') || envFlag(deps.env, 'SBSYNC_DEBUG'), color: !argv.includes('--no-color') };
    const io = active?.io ?? createIO(deps.terminal, fallbackFlags, deps.env, new Redactor());
    return renderError(error, io, active?.flags ?? fallbackFlags);
  }
}

function errorDocument(error: unknown): object {
  if (isSbsyncError(error)) {
    const body: Record<string, unknown> = { code: error.code, message: error.message };
    if (error.hint) body.hint = error.hint;
    if (error instanceof ConfigError && error.diagnostics.length > 0) body.diagnostics = error.diagnostics;
    return { schemaVersion: 1, ok: false, error: body };
  }
  return { schemaVersion: 1, ok: false, error: { code: 'bug', message: error instanceof Error ? error.message : String(error) } };
}

/** The one place errors become text and exit codes. */
export function renderError(error: unknown, io: IO, flags: Pick<GlobalFlags, 'json' | 'debug'>): number {
  const c = io.chalk;
  if (flags.json) io.out(`${JSON.stringify(errorDocument(error), null, 2)}\n`);
  if (isSbsyncError(error)) {
    if (error instanceof ConfigError) {
      for (const d of error.diagnostics) {
        io.err(`${renderDiagnostic(d).replace(/ (error|warning): /, (_m, s: string) => ` ${s === 'error' ? c.red('error') : c.yellow('warning')}: `)}\n`);
        if (d.expected !== undefined) io.err(`${c.dim(`  expected: ${d.expected}`)}\n`);
      }
    }
    io.err(`${c.red('error:')} ${error.message}\n`);
    if (error.hint) io.err(`${c.cyan('hint:')} ${error.hint}\n`);
    if (flags.debug) io.err(c.dim(describeCauses(error)));
    return error.exitCode;
  }
  io.err(`${c.red('unexpected error, please report it:')} ${error instanceof Error ? error.message : String(error)}\n`);
  io.err(`${c.dim(describeCauses(error))}`);
  io.err(`Report at ${ISSUES_URL} with the command you ran and the text above (check it holds no secret).\n`);
  return ExitCode.bug;
}

function describeCauses(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof Error) {
      lines.push(`${depth === 0 ? '' : 'caused by: '}${current.stack ?? `${current.name}: ${current.message}`}`);
      current = current.cause;
    } else {
      lines.push(`caused by: ${String(current)}`);
      break;
    }
  }
  return `${lines.join('\n')}\n`;
}

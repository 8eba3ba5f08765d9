/** What a command's run() receives: the injected deps plus the per-invocation IO, logger and config access. */
import path from 'node:path';
import { ConfigError } from './errors.js';
import type { Deps } from './deps.js';
import type { IO } from './io.js';
import type { Logger } from './logger.js';
import type { Redactor } from './redact.js';
import { findConfig, describeChoice, type ConfigChoice } from './config/find.js';
import { EMBEDDED_DEFAULT, loadConfigText, type ConfigLoadResult, type ConfigText } from './config/load.js';
import { renderDiagnostic } from './config/diagnostics.js';
import type { ResolvedConfig } from './config/resolve.js';

export interface GlobalFlags {
  config?: string;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
  color: boolean;
  logFile?: string;
}

export interface CommandDeps extends Deps {
  io: IO;
  logger: Logger;
  redactor: Redactor;
  flags: GlobalFlags;
  /** Locates and reads the config file (or the embedded default) without judging it. */
  readConfigText(): Promise<{ choice: ConfigChoice; source: ConfigText }>;
  /** Reads and checks the config; registers its secrets with the redactor. Diagnostics are returned, not printed. */
  inspectConfig(): Promise<{ choice: ConfigChoice; result: ConfigLoadResult }>;
  /** The config, or a ConfigError listing every located problem; warnings are logged. */
  loadConfig(): Promise<ResolvedConfig>;
}

export function createCommandDeps(deps: Deps, io: IO, logger: Logger, redactor: Redactor, flags: GlobalFlags): CommandDeps {
  let inspected: Promise<{ choice: ConfigChoice; result: ConfigLoadResult }> | undefined;
  let announced = false;

  async function readConfigText(): Promise<{ choice: ConfigChoice; source: ConfigText }> {
    const choice = await findConfig({
      ...(flags.config !== undefined ? { flag: flags.config } : {}),
      cwd: deps.cwd,
      env: deps.env,
      platform: deps.platform,
      homeDir: deps.homeDir,
      exists: deps.fileExists,
    });
    if (choice.kind === 'embedded') {
      const example = path.join(deps.packageRoot, 'config.example.yaml');
      const text = await deps.readTextFile(example);
      // The embedded default keeps its data next to where the user runs sbsync.
      return { choice, source: { displayName: EMBEDDED_DEFAULT, file: EMBEDDED_DEFAULT, baseDir: deps.cwd, text } };
    }
    let text: string;
    try {
      text = await deps.readTextFile(choice.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? String(error)})`;
      throw new ConfigError(`config file ${describeChoice(choice)} ${reason}`, [], {
        hint: 'Check the path, or copy config.example.yaml to sbsync.yaml and edit it.',
        cause: error,
      });
    }
    const displayName = path.relative(deps.cwd, choice.path) || choice.path;
    return { choice, source: { displayName: displayName.startsWith('..') ? choice.path : displayName, file: choice.path, baseDir: path.dirname(choice.path), text } };
  }

  function inspectConfig() {
    inspected ??= (async () => {
      const { choice, source } = await readConfigText();
      logger.verbose(`config: ${describeChoice(choice)}`);
      const result = await loadConfigText(source, { env: deps.env, readTextFile: deps.readTextFile });
      for (const secret of result.secrets) redactor.add(secret);
      return { choice, result };
    })();
    return inspected;
  }

  async function loadConfig(): Promise<ResolvedConfig> {
    const { choice, result } = await inspectConfig();
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || !result.config) {
      throw new ConfigError(`${errors.length} error(s) in the config ${describeChoice(choice)}`, result.diagnostics, {
        hint: 'Fix the lines above, then run `sbsync config validate`.',
      });
    }
    // Several steps of one command may ask for the config: the notes are said once.
    if (!announced) {
      announced = true;
      if (choice.kind === 'embedded') logger.info(io.chalk.dim(`Using ${describeChoice(choice)}; create sbsync.yaml for your own companies.`));
      for (const warning of result.diagnostics) logger.warn(renderDiagnostic(warning).replace(/^(\S+) warning: /, '$1 '));
    }
    return result.config;
  }

  return { ...deps, io, logger, redactor, flags, readConfigText, inspectConfig, loadConfig };
}

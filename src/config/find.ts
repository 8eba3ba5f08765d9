/**
 * Which config file a command uses: --config, else ./sbsync.yaml, else $SBSYNC_CONFIG, else the platform's
 * config folder (%ProgramData%\sbsync\sbsync.yaml on Windows, $XDG_CONFIG_HOME/sbsync/sbsync.yaml
 * elsewhere), else the embedded default (config.example.yaml: the demo company and a local portal).
 */
import path from 'node:path';
import type { Env } from '../env.js';

export type ConfigChoice =
  | { kind: 'flag' | 'cwd' | 'env' | 'platform'; path: string }
  | { kind: 'embedded' };

export interface FindConfigInput {
  flag?: string;
  cwd: string;
  env: Env;
  platform: NodeJS.Platform;
  homeDir: string;
  exists: (absolutePath: string) => Promise<boolean>;
}

export const CONFIG_FILE_NAME = 'sbsync.yaml';

export function platformConfigPath(platform: NodeJS.Platform, env: Env, homeDir: string): string {
  if (platform === 'win32') {
    const programData = env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData';
    return path.win32.join(programData, 'sbsync', CONFIG_FILE_NAME);
  }
  const xdg = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : path.join(homeDir, '.config');
  return path.join(xdg, 'sbsync', CONFIG_FILE_NAME);
}

/** Explicit choices (--config, SBSYNC_CONFIG) are returned even when the file is missing: that is an error to report. */
export async function findConfig(input: FindConfigInput): Promise<ConfigChoice> {
  if (input.flag !== undefined) return { kind: 'flag', path: path.resolve(input.cwd, input.flag) };
  const local = path.join(input.cwd, CONFIG_FILE_NAME);
  if (await input.exists(local)) return { kind: 'cwd', path: local };
  const fromEnv = input.env.SBSYNC_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { kind: 'env', path: path.resolve(input.cwd, fromEnv) };
  const platformPath = platformConfigPath(input.platform, input.env, input.homeDir);
  if (await input.exists(platformPath)) return { kind: 'platform', path: platformPath };
  return { kind: 'embedded' };
}

export function describeChoice(choice: ConfigChoice): string {
  switch (choice.kind) {
    case 'flag':
      return `${choice.path} (from --config)`;
    case 'cwd':
      return `${choice.path} (in the current folder)`;
    case 'env':
      return `${choice.path} (from SBSYNC_CONFIG)`;
    case 'platform':
      return `${choice.path} (the platform config folder)`;
    case 'embedded':
      return 'the embedded default (config.example.yaml: demo company, local portal)';
  }
}

/** Every environment variable sbsync reads, in one place (README's table is written from this list). */
export interface EnvVar {
  name: string;
  description: string;
}

export const ENV_VARS: readonly EnvVar[] = [
  { name: 'SBSYNC_CONFIG', description: 'Config file used when --config is not given and ./sbsync.yaml does not exist.' },
  { name: 'SBSYNC_DEBUG', description: 'Set to 1 for the same output as --debug (causes and stacks).' },
  { name: 'NO_COLOR', description: 'Any value turns colour off.' },
  { name: 'FORCE_COLOR', description: 'Turns colour on even when stdout is not a terminal (0 = off).' },
  { name: 'CI', description: 'Set by CI systems: no spinner, no prompt.' },
  { name: 'HTTPS_PROXY / HTTP_PROXY / NO_PROXY', description: 'Proxy used with proxy.mode: system (lower case wins over upper case); see docs/proxy.md.' },
  { name: 'SBSYNC_TASK_PASSWORD', description: 'Password of the --user account for `sbsync schedule install` (Windows); read once, never printed.' },
  { name: 'SystemRoot', description: 'Windows: where reg.exe and netsh.exe are, to read the machine proxy settings.' },
  { name: 'NODE_EXTRA_CA_CERTS', description: "Extra root certificates, e.g. a corporate proxy's, for https:// portals." },
  { name: 'ProgramData (Windows) / XDG_CONFIG_HOME (others)', description: 'Where the platform config folder is.' },
];

export type Env = Readonly<Record<string, string | undefined>>;

export function envFlag(env: Env, name: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

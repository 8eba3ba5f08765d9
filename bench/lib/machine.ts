/** Facts about the machine a benchmark ran on. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { runChild } from './proc.js';

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  ramBytes: number;
  node: string;
  platform: string;
  date: string;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
  tools: Record<string, string | undefined>;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

async function toolVersion(command: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await runChild(command, args, { timeoutMs: 10_000 });
    if (r.code !== 0) return undefined;
    // First line, at most three words: "curl 7.88.1 (x86_64-pc-linux-gnu)", "3.40.1 2022-12-28 14:03:47".
    return (r.stdout || r.stderr).split('\n')[0]!.trim().split(/\s+/).slice(0, 3).join(' ');
  } catch {
    return undefined;
  }
}

/** FreeTDS's version, from `tsql -C` ("Version: freetds v1.3.17"); bsqldb has no version option. */
async function freetdsVersion(): Promise<string | undefined> {
  try {
    const r = await runChild('tsql', ['-C'], { timeoutMs: 10_000 });
    return /Version:\s*(.+)/.exec(r.stdout)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

export async function machineFacts(): Promise<MachineFacts> {
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    ramBytes: os.totalmem(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverageStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
    tools: {
      sqlite3: await toolVersion('sqlite3', ['--version']),
      gzip: await toolVersion('gzip', ['--version']),
      curl: await toolVersion('curl', ['--version']),
      freetds: await freetdsVersion(),
    },
  };
}

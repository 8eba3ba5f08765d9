/** Running schtasks.exe / systemctl: argv only, never through a shell. Injected so tests record the calls. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Resolves with the exit code whatever it is; rejects only when the program cannot be started (ENOENT…). */
export type ExecFile = (file: string, args: readonly string[]) => Promise<ExecResult>;

export async function nodeExecFile(file: string, args: readonly string[]): Promise<ExecResult> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { windowsHide: true, shell: false, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException).code === 'string') return reject(error);
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

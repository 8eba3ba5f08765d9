/**
 * PAC files (proxy auto-configuration): fetched once per resolution, evaluated with the proxy-agent
 * family's resolver (pac-resolver: the standard PAC helper functions, run in a QuickJS WebAssembly sandbox,
 * so the script cannot touch the process), and the `FindProxyForURL` answer parsed into entries.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createPacResolver } from 'pac-resolver';
import { QuickJS, type QuickJSOptions } from 'quickjs-wasi';
import { Agent, interceptors, request } from 'undici';

export type PacEntry =
  | { kind: 'direct' }
  /** `PROXY h:p` / `HTTP h:p` → http://h:p, `HTTPS h:p` → https://h:p (TLS to the proxy). */
  | { kind: 'proxy'; url: string }
  | { kind: 'socks'; server: string };

/** `PROXY a:8080; HTTPS b:443; SOCKS5 c:1080; DIRECT` → entries, in order; unknown keywords are skipped. */
export function parsePacResult(result: string): PacEntry[] {
  const entries: PacEntry[] = [];
  for (const part of result.split(';')) {
    const [keyword, server] = part.trim().split(/\s+/) as [string, string | undefined];
    const word = keyword.toUpperCase();
    if (word === 'DIRECT') entries.push({ kind: 'direct' });
    else if ((word === 'PROXY' || word === 'HTTP') && server) entries.push({ kind: 'proxy', url: `http://${server}` });
    else if (word === 'HTTPS' && server) entries.push({ kind: 'proxy', url: `https://${server}` });
    else if (word.startsWith('SOCKS') && server) entries.push({ kind: 'socks', server: `${word} ${server}` });
  }
  return entries;
}

type QuickJsWasm = QuickJSOptions['wasm'];
/** The engine, compiled once per process (about 70 ms) and only when a PAC file is first needed. */
let wasm: Promise<QuickJsWasm> | undefined;
function quickJsWasm(): Promise<QuickJsWasm> {
  // lib "ES2023" has no WebAssembly typings; the global exists in every Node version sbsync supports.
  const { WebAssembly: engine } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<QuickJsWasm> } };
  wasm ??= readFile(new URL(import.meta.resolve('quickjs-wasi/quickjs.wasm'))).then((bytes) => engine.compile(bytes));
  return wasm;
}

export interface PacEvaluation {
  /** Milliseconds the script may run (a PAC with an endless loop must not hang a scheduled run). */
  timeoutMs?: number;
  /** Shown in the script's stack traces. */
  filename?: string;
}

/** Runs `FindProxyForURL(url, host)` of `script` and returns its answer string. */
export async function evaluatePac(script: string, targetUrl: string, options: PacEvaluation = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const qjs = await QuickJS.create({
    wasm: await quickJsWasm(),
    memoryLimit: 64 * 1024 * 1024,
    interruptHandler: () => Date.now() > deadline,
  });
  try {
    const findProxyForURL = createPacResolver(qjs, script, {
      filename: options.filename ?? 'proxy.pac',
      // pac-resolver's alert() writes to console.log; a PAC's debugging output is not ours to print.
      sandbox: { alert: () => undefined },
    });
    const result: unknown = await findProxyForURL(targetUrl);
    if (typeof result !== 'string') throw new Error(`FindProxyForURL returned ${result === null ? 'null' : typeof result}, not a string`);
    return result;
  } finally {
    qjs.dispose();
  }
}

/**
 * Fetches a PAC file: http(s) directly (a PAC is never fetched through a proxy), or a file: URL
 * (`file:///C:/proxy/proxy.pac`, `file://server/share/proxy.pac`).
 */
export async function fetchPacScript(url: string, options: { timeoutMs: number }): Promise<string> {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:') return readFile(fileURLToPath(parsed), 'utf8');
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`unsupported PAC address scheme ${parsed.protocol}`);
  const agent = new Agent({ connect: { timeout: options.timeoutMs }, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  try {
    const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 3 }));
    const response = await request(parsed, { dispatcher });
    const body = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
    return body;
  } finally {
    await agent.close();
  }
}

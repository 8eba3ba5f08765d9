/** `config validate` and `config show`: the config pipeline without side effects. */
import type { CommandDeps } from '../../context.js';
import { describeChoice } from '../../config/find.js';
import type { Diagnostic } from '../../config/diagnostics.js';
import type { ValueOrigin } from '../../config/interpolate.js';
import { formatPath, type PathSegment } from '../../config/diagnostics.js';
import { REDACTED } from '../../redact.js';
import { ExitCode } from '../../errors.js';

export interface ValidateResult {
  config: string;
  valid: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
  exitCode: number;
}

export async function runValidate(deps: CommandDeps): Promise<ValidateResult> {
  const { choice, result } = await deps.inspectConfig();
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  return {
    config: describeChoice(choice),
    valid: errors === 0,
    errors,
    warnings: result.diagnostics.length - errors,
    diagnostics: result.diagnostics,
    exitCode: errors === 0 ? ExitCode.ok : ExitCode.usage,
  };
}

export interface ShownValue {
  path: string;
  value: unknown;
  /** `file:LINE`, `env:NAME`, `secret-file:PATH`, `default` or `derived`. */
  source: string;
  secret: boolean;
}

export interface ShowResult {
  config: string;
  values: ShownValue[];
  resolved: unknown;
  exitCode?: number;
}

function originText(origin: ValueOrigin | undefined, file: string): string {
  if (!origin) return 'default';
  switch (origin.kind) {
    case 'file':
      return `${file}:${origin.line}`;
    case 'env':
      return `env:${origin.name}`;
    case 'secret-file':
      return `secret-file:${origin.path}`;
    case 'default':
      return 'default';
  }
}

/** Keys of the resolved config that the file never has (computed from other settings). */
const DERIVED = new Set(['file', 'baseDir', 'portal.kind', 'portal.directory']);

export async function runShow(deps: CommandDeps): Promise<ShowResult> {
  const config = await deps.loadConfig();
  const { choice, source } = await deps.readConfigText();
  const { result } = await deps.inspectConfig();
  const values: ShownValue[] = [];
  const walk = (value: unknown, at: PathSegment[]) => {
    if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null)) {
      value.forEach((item, i) => walk(item, [...at, i]));
      return;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, [...at, key]);
      return;
    }
    const dotted = formatPath(at);
    const secret = at[at.length - 1] === 'password';
    const origin = result.origins.get(dotted) ?? (Array.isArray(value) ? result.origins.get(`${dotted}[0]`) : undefined);
    values.push({
      path: dotted,
      value: secret ? REDACTED : value,
      source: DERIVED.has(dotted) ? 'derived' : originText(origin, source.displayName),
      secret,
    });
  };
  walk(config, []);
  return { config: describeChoice(choice), values, resolved: deps.redactor.redactValue(config) };
}

/** A located problem in a config file. The loader returns them; only the CLI decides what they cost. */
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Config file as the user named it (or `<embedded default>`). */
  file: string;
  /** 1-based line and column; 0 when the problem has no place in the file (e.g. the file is empty). */
  line: number;
  col: number;
  /** YAML path in dotted form: `companies[0].source.path`; empty for the whole document. */
  path: string;
  message: string;
  expected?: string;
  found?: string;
  /** The offending source line, for the code frame. */
  lineText?: string;
  /** Width of the underline under lineText. */
  span?: number;
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
}

/** Short JSON-ish preview of a found value, never longer than a line. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

/** Renders one diagnostic the way compilers do: location, message, then the line and a caret. */
export function renderDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const subject = d.path === '' ? '' : `${d.path}: `;
  const lines = [`${where} ${d.severity}: ${subject}${d.message}`];
  if (d.lineText !== undefined && d.line > 0) {
    const gutter = String(d.line);
    lines.push(`  ${gutter} | ${d.lineText}`);
    const caretWidth = Math.max(1, Math.min(d.span ?? 1, Math.max(1, d.lineText.length - d.col + 1)));
    lines.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, d.col - 1))}${'^'.repeat(caretWidth)}`);
  }
  return lines.join('\n');
}

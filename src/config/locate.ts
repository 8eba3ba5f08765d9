/** Maps YAML paths back to file positions, so every diagnostic can say file:line:col. */
import { isMap, isNode, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';
import type { Diagnostic, PathSegment, Severity } from './diagnostics.js';
import { formatPath } from './diagnostics.js';

export interface Located {
  line: number;
  col: number;
  span: number;
}

export class SourceMap {
  readonly #lines: string[];

  constructor(
    readonly file: string,
    text: string,
    readonly doc: Document | undefined,
    readonly lineCounter: LineCounter,
  ) {
    this.#lines = text.split(/\r?\n/);
  }

  lineText(line: number): string | undefined {
    return this.#lines[line - 1];
  }

  positionOfOffset(offset: number, span = 1): Located {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, col, span };
  }

  /** The value node at `path`, or the deepest existing ancestor when the path does not exist. */
  locateValue(path: readonly PathSegment[]): Located {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.#nodeAt(path.slice(0, depth));
      if (node?.range) {
        const [start, valueEnd] = node.range;
        const firstLineEnd = this.#endOfLine(start);
        return this.positionOfOffset(start, Math.max(1, Math.min(valueEnd, firstLineEnd) - start));
      }
    }
    return { line: 1, col: 1, span: 1 };
  }

  /** The key `key` inside the mapping at `parent` (for unknown properties), else the mapping itself. */
  locateKey(parent: readonly PathSegment[], key: string): Located {
    const map = this.#nodeAt(parent);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
          return this.positionOfOffset(pair.key.range[0], key.length);
        }
      }
    }
    return this.locateValue(parent);
  }

  diagnostic(
    severity: Severity,
    path: readonly PathSegment[],
    message: string,
    extra: { expected?: string; found?: string; at?: Located } = {},
  ): Diagnostic {
    const at = extra.at ?? this.locateValue(path);
    const d: Diagnostic = { severity, file: this.file, line: at.line, col: at.col, path: formatPath(path), message, span: at.span };
    const lineText = this.lineText(at.line);
    if (lineText !== undefined) d.lineText = lineText;
    if (extra.expected !== undefined) d.expected = extra.expected;
    if (extra.found !== undefined) d.found = extra.found;
    return d;
  }

  #nodeAt(path: readonly PathSegment[]): Node | undefined {
    if (!this.doc) return undefined;
    if (path.length === 0) return isNode(this.doc.contents) ? this.doc.contents : undefined;
    const node: unknown = this.doc.getIn(path, true);
    return isNode(node) ? node : undefined;
  }

  #endOfLine(offset: number): number {
    const { line } = this.lineCounter.linePos(offset);
    const next = this.lineCounter.lineStarts[line];
    return next === undefined ? Number.MAX_SAFE_INTEGER : next - 1;
  }
}

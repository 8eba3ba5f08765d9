/** A small XML reader for the tests: checks well-formedness (balanced tags, one root) and gives a tree. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ENTITIES[e]!);

export function parseXml(text: string): XmlElement {
  const source = text.replace(/^\uFEFF/, '').replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let consumed = 0;
  for (let m = token.exec(source); m; m = token.exec(source)) {
    if (m.index !== consumed) throw new Error(`not well-formed near offset ${consumed}: ${source.slice(consumed, consumed + 40)}`);
    consumed = token.lastIndex;
    const top = stack.at(-1)!;
    if (m[5] !== undefined) {
      if (/[&<]/.test(m[5].replace(/&(amp|lt|gt|quot|apos);/g, ''))) throw new Error(`bad character in text: ${m[5]}`);
      top.text += decode(m[5]);
      continue;
    }
    const [, closing, name, attrs, selfClosing] = m;
    if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      top.text = top.text.trim();
      stack.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const a of (attrs ?? '').matchAll(/([\w:.-]+)="([^"]*)"/g)) attributes[a[1]!] = decode(a[2]!);
    const element: XmlElement = { name: name!, attributes, children: [], text: '' };
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (consumed !== source.length) throw new Error(`trailing content at ${consumed}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  const roots = root.children.filter((c) => c.name !== '#text');
  if (roots.length !== 1) throw new Error('expected one root element');
  return roots[0]!;
}

/** The element at `a/b/c` below `element` (undefined when absent). */
export function at(element: XmlElement, path: string): XmlElement | undefined {
  let current: XmlElement | undefined = element;
  for (const part of path.split('/')) current = current?.children.find((c) => c.name === part);
  return current;
}

export function textAt(element: XmlElement, path: string): string | undefined {
  return at(element, path)?.text;
}

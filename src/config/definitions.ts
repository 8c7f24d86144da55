/**
 * `$NAME=value` definitions and their substitution, keepalived's rules:
 * `$NAME` ends at whitespace, ',', ')' or end of line; `${NAME}` anywhere;
 * undefined names stay as they are; a multi-line value is only substituted
 * where its name ends the line.
 */

/** Separates the lines of a multi-line definition's value. */
export const DEF_LINE_END = '\n';

export interface Definition {
  readonly name: string;
  value: string;
  multiline: boolean;
  /** Built-in definitions compute their value at each use. */
  fn: ((params: string | undefined) => string) | undefined;
  readonly maxParams: number;
}

export interface Found {
  readonly def: Definition;
  /** Characters of the line replaced, counting the '$'. */
  readonly length: number;
  readonly params?: string;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

export class Definitions {
  private readonly defs = new Map<string, Definition>();

  get size(): number {
    return this.defs.size;
  }

  get(name: string): Definition | undefined {
    return this.defs.get(name);
  }

  set(name: string, value: string, multiline = false): Definition {
    const existing = this.defs.get(name);
    if (existing) {
      existing.value = value;
      existing.multiline = multiline;
      existing.fn = undefined;
      return existing;
    }
    const def: Definition = { name, value, multiline, fn: undefined, maxParams: 0 };
    this.defs.set(name, def);
    return def;
  }

  addBuiltin(name: string, fn: Definition['fn'], maxParams = 0, value = ''): void {
    this.defs.set(name, { name, value, multiline: false, fn, maxParams });
  }

  /**
   * Look up a use at `text[at]` (the character after '$').
   * Returns undefined when keepalived would leave the text alone.
   */
  findUse(text: string, at: number): Found | undefined {
    if (this.defs.size === 0) return undefined;
    const braces = text[at] === '{';
    let p = braces ? at + 1 : at;
    if (!isNameStart(text.charCodeAt(p))) return undefined;
    const nameStart = p;
    p++;
    while (p < text.length && isNameChar(text.charCodeAt(p))) p++;
    const name = text.slice(nameStart, p);
    let params: string | undefined;
    if (braces) {
      let paramStart = -1;
      let paramEnd = -1;
      while (p < text.length && (text[p] === ' ' || /[0-9]/.test(text[p]!))) {
        if (text[p] !== ' ') {
          if (paramStart < 0) paramStart = p;
          paramEnd = p;
        }
        p++;
      }
      if (paramStart >= 0 && paramEnd + 1 !== p) return undefined;
      if (text[p] !== '}') return undefined;
      if (paramStart >= 0) params = text.slice(paramStart, paramEnd + 1);
      p++;
    } else if (p < text.length && !' \t,)'.includes(text[p]!)) {
      return undefined;
    }
    const def = this.defs.get(name);
    if (!def) return undefined;
    const atEnd = p >= text.length;
    if (def.multiline && !atEnd) return undefined;
    if (params !== undefined && def.maxParams === 0) return undefined;
    return { def, length: p - at + 1, params };
  }
}

/**
 * A definition line `$NAME=value`, `$NAME = value`, or the first line of a
 * multi-line one (`$NAME=first \`). Returns undefined if the line is not one.
 */
export function parseDefinitionLine(line: string): { name: string; value: string; multiline: boolean } | undefined {
  if (line[0] !== '$' || !isNameStart(line.charCodeAt(1))) return undefined;
  let p = 2;
  while (p < line.length && line[p] !== '=') {
    if (!isNameChar(line.charCodeAt(p))) break;
    p++;
  }
  const name = line.slice(1, p);
  while (line[p] === ' ' || line[p] === '\t') p++;
  if (line[p] !== '=') return undefined;
  p++;
  while (line[p] === ' ' || line[p] === '\t') p++;
  let value = line.slice(p);
  if (value.endsWith('\\')) {
    value = value.slice(0, -1).replace(/[ \t]+$/, '');
    return { name, value, multiline: true };
  }
  return { name, value, multiline: false };
}

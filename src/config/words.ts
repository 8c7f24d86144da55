/**
 * Splitting a logical line into words, keepalived's two ways:
 * - splitWords: whitespace separated, `"…"` groups (no escapes), as alloc_strvec_r;
 * - splitScriptWords: both quote kinds group and backslash escapes apply, as
 *   alloc_strvec_quoted_escaped (the second level of script keywords).
 */

export interface SplitResult {
  readonly words: string[];
  /** 0-based offset in the line where each word starts. */
  readonly offsets: number[];
  /** Set when a `"` was left open: keepalived logs it and keeps the words before it. */
  readonly unmatchedQuote: boolean;
}

/** keepalived's white space (space, \t, \n, \v, \f, \r), by char code: this runs for every line of every pass. */
export function isWhiteCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const QUOTE = 34;

// Words collect here and are copied out at their exact number: an array grown by push keeps room for 17, and
// every line of every pass is split (issue 14: half the configuration test's allocation was these arrays).
const wordsRead: string[] = [];
const offsetsRead: number[] = [];

export function splitWords(line: string): SplitResult {
  // counted, not emptied: setting an array's length to 0 gives up its room
  let count = 0;
  let i = 0;
  const n = line.length;
  let unmatchedQuote = false;
  while (true) {
    while (i < n && isWhiteCode(line.charCodeAt(i))) i++;
    if (i >= n) break;
    if (line.charCodeAt(i) === QUOTE) {
      const close = line.indexOf('"', i + 1);
      if (close < 0) {
        unmatchedQuote = true;
        break;
      }
      wordsRead[count] = line.slice(i + 1, close);
      offsetsRead[count++] = i;
      i = close + 1;
    } else {
      const start = i;
      let c: number;
      while (i < n && !isWhiteCode((c = line.charCodeAt(i))) && c !== QUOTE) i++;
      wordsRead[count] = line.slice(start, i);
      offsetsRead[count++] = start;
    }
  }
  return { words: wordsRead.slice(0, count), offsets: offsetsRead.slice(0, count), unmatchedQuote };
}

export type ScriptSplit = { readonly ok: true; readonly words: string[] } | { readonly ok: false; readonly error: string };

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Second-level split of a script command: quotes of both kinds group, escapes are decoded. */
export function splitScriptWords(src: string): ScriptSplit {
  const words: string[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    while (i < n && isWhiteCode(src.charCodeAt(i))) i++;
    if (i >= n) break;
    let out = '';
    let quote = '';
    while (i < n) {
      const c = src[i]!;
      if (c === '\\') {
        i++;
        if (i >= n) return { ok: false, error: `Missing escape char at end: '${src}'` };
        const e = src[i]!;
        if (e === 'x' && /[0-9a-fA-F]/.test(src[i + 1] ?? '')) {
          let v = 0;
          i++;
          while (i < n && /[0-9a-fA-F]/.test(src[i]!)) v = ((v << 4) | parseInt(src[i++]!, 16)) & 0xff;
          out += String.fromCharCode(v);
        } else if (e === 'c' && i + 1 < n) {
          out += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let v = 0;
          for (let k = 0; k < 3 && i < n && src[i]! >= '0' && src[i]! <= '7'; k++) v = ((v << 3) + (src.charCodeAt(i++) - 48)) & 0xff;
          out += String.fromCharCode(v);
        } else {
          out += SIMPLE_ESCAPES[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else out += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (isWhiteCode(c.charCodeAt(0))) break;
      out += c;
      i++;
    }
    if (quote) return { ok: false, error: `String '${src}': missing terminating ${quote}` };
    words.push(out);
  }
  return { ok: true, words };
}

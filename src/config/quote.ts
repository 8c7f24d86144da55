/**
 * Writing words back into keepalived.conf text so that the reader, the word
 * splitter and (for scripts) the two-level script splitter give them back
 * unchanged: the inverse of words.ts for the writers.
 */
import type { Script } from './scripts/index.js';

/** Characters the reader or splitter treats specially: blanks, quotes, braces, comments, definitions, escapes. */
const PLAIN = /^[^\s"{}#!$\\]+$/;

/**
 * A word for a plain keyword line: bare when nothing in it is special,
 * otherwise in double quotes (no escapes at this level, so a word holding a
 * `"` cannot be written at all and is left bare).
 */
export function quoteWord(word: string): string {
  const plain = PLAIN.test(word) && !/^[@~]/.test(word) && !word.startsWith('include');
  return plain || word.includes('"') ? word : `"${word}"`;
}

/** A script argument safe bare at both levels of the script splitter. */
const SCRIPT_PLAIN = /^[^\s'"\\{}#!$\x00-\x1f\x7f]+$/;

/** Octal escapes (at most 3 digits, so a following digit is never swallowed) for characters the reader must not see. */
const octal = (c: string): string => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;

/** One argv word for the second-level split: single-quoted, with `\` and `'` escaped and risky characters in octal. */
function scriptArg(arg: string): string {
  if (SCRIPT_PLAIN.test(arg)) return arg;
  let out = "'";
  for (const c of arg) {
    if (c === '\\' || c === "'") out += `\\${c}`;
    else if (/["{}$\x00-\x1f\x7f]/.test(c)) out += octal(c);
    else out += c;
  }
  return `${out}'`;
}

/**
 * The command word of a script keyword (`notify_master "…"`): the argv is
 * quoted for the second-level split, then the whole command is one
 * double-quoted first-level word (its backslashes doubled; it holds no `"`,
 * so the reader's comment and brace scanning see one quoted string).
 */
export function scriptCommand(argv: readonly string[]): string {
  const inner = argv.map(scriptArg).join(' ');
  if (SCRIPT_PLAIN.test(inner)) return inner;
  return `"${inner.replace(/\\/g, '\\\\')}"`;
}

/** A script keyword line: `keyword "command" [user [group]]`. */
export function scriptLine(keyword: string, script: Pick<Script, 'argv' | 'user' | 'group'>): string {
  const owner = [script.user, script.group].filter((w): w is string => w !== undefined).map(quoteWord);
  return [keyword, scriptCommand(script.argv), ...owner].join(' ');
}

/** A fixed-point value (e.g. µs with 6 places) as the shortest decimal the number readers take back exactly. */
export function decimalText(value: number, places: number): string {
  const scale = 10 ** places;
  const whole = Math.floor(value / scale);
  const fraction = String(value % scale).padStart(places, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/** µs as seconds. */
export const seconds = (us: number): string => decimalText(us, 6);

/** A block: its header line, the body indented, and the closing brace. */
export function block(header: string, body: readonly string[]): string[] {
  return [`${header} {`, ...body.map((l) => `  ${l}`), '}'];
}

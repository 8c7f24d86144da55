/** What the checker writers need beyond ../../quote.ts. */

export const bool = (v: boolean): string => (v ? 'true' : 'false');

const PLAIN = /^[A-Za-z0-9_./@%+=:,~^-]+$/;

const octal = (ch: string): string => `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`;

/**
 * A word of a line split once with quotes and escapes (`regex`). Inside
 * "…" comment characters and braces are safe from the reader; `"`, a `$`
 * that could start a substitution, and control or non-ASCII characters go
 * as octal escapes, so the raw line holds no `"` but the outer pair.
 */
export function escapedWord(w: string): string {
  if (PLAIN.test(w)) return w;
  return `"${w.replace(/[\\"\x00-\x1f\x7f-\xff]|\$(?=[A-Za-z_{])/g, (ch) => (ch === '\\' ? '\\\\' : octal(ch)))}"`;
}

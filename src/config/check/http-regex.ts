/**
 * HTTP_GET's `regex` on a linear-time engine (re2js, a port of RE2) instead
 * of keepalived's PCRE2: a hostile response cannot make a match backtrack.
 * RE2 has no backreferences, lookaround, atomic groups, possessive
 * quantifiers or PCRE verbs; such a pattern does not compile here, is named
 * when the configuration is read and fails its url's check (never a
 * backtracking fallback).
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

type Re2js = typeof import('re2js');
let re2js: Re2js | undefined;
/** The engine loads when a configuration first has a regex: 260 KB of code every process would compile otherwise. */
const engine = (): Re2js => (re2js ??= createRequire(import.meta.url)('re2js') as Re2js);

/** The part of HTTP_GET's regex settings that decides how it compiles. */
export interface RegexSource {
  readonly pattern: string;
  readonly options: readonly string[];
}

export type CompiledRegex =
  | { readonly ok: true; readonly re: RE2JS; readonly utf: boolean; readonly firstline: boolean }
  | { readonly ok: false; readonly reason: string };

/** PCRE2 options with an RE2 flag of the same meaning. */
const FLAGS: Readonly<Record<string, (r: typeof RE2JS) => number>> = {
  caseless: (r) => r.CASE_INSENSITIVE,
  dotall: (r) => r.DOTALL,
  multiline: (r) => r.MULTILINE,
};

/**
 * PCRE2 options RE2 cannot express, what they change, and whether a pattern
 * uses that (only then does the option make it unrunnable).
 */
const UNSUPPORTED: ReadonlyArray<readonly [string, string, (pattern: string) => boolean]> = [
  ['extended', 'whitespace and # comments in the pattern', (p) => /[\s#]/.test(p)],
  ['alt_bsux', 'JavaScript-style \\U, \\u and \\x escapes', (p) => /\\[Uux]/.test(p)],
  ['allow_empty_class', 'an empty [] class', (p) => p.includes('[]')],
  ['ucp', 'Unicode \\w, \\d, \\s, \\b and POSIX classes', (p) => /\\[wWdDsSbB]|\[:/.test(p)],
];

// The other options keepalived accepts only restrict PCRE2 (never_*), tune its optimiser
// (no_auto_possess, no_dotstar_anchor, no_start_optimize), or concern features RE2 lacks and
// rejects in the pattern anyway (backreferences, callouts, verbs, duplicate names, offset limits).

const cache = new WeakMap<RegexSource, CompiledRegex>();

/** Compiled once per url's regex (the configuration model is immutable). */
export function compileHttpRegex(source: RegexSource): CompiledRegex {
  let compiled = cache.get(source);
  if (!compiled) {
    compiled = compile(source);
    cache.set(source, compiled);
  }
  return compiled;
}

function compile({ pattern, options }: RegexSource): CompiledRegex {
  const unsupported = UNSUPPORTED.find(([option, , used]) => options.includes(option) && used(pattern));
  if (unsupported) return { ok: false, reason: `regex_options ${unsupported[0]} (${unsupported[1]}) is not supported` };
  const { RE2JS, RE2JSException } = engine();
  const flags = options.reduce((f, o) => f | (FLAGS[o]?.(RE2JS) ?? 0), 0);
  // RE2 has no ungreedy flag but the same inline (?U).
  const expr = options.includes('ungreedy') ? `(?U)${pattern}` : pattern;
  try {
    return { ok: true, re: RE2JS.compile(expr, flags), utf: options.includes('utf'), firstline: options.includes('firstline') };
  } catch (e) {
    if (e instanceof RE2JSException) return { ok: false, reason: explain(e.message.replace(/^error parsing regexp: /, '')) };
    throw e;
  }
}

/** PCRE2 constructs, recognised by how the RE2 parser quotes the text it stopped at. */
const CONSTRUCTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\\(?:[1-9]|[gk])/, 'a backreference'],
  [/^\(\?<?[=!]/, 'lookaround'],
  [/^\(\?>/, 'an atomic group'],
  [/^(?:[*+?]|\{[\d,]*\})\+$/, 'a possessive quantifier'],
  [/^\(\?(?:[|(R&#]|P[>=]|[+-]?\d)/, 'a PCRE-only group'],
  [/^\\K/, '\\K'],
];

function explain(message: string): string {
  const open = message.indexOf('`');
  const quoted = open < 0 ? '' : message.slice(open + 1, message.lastIndexOf('`'));
  const construct = CONSTRUCTS.find(([re]) => re.test(quoted))?.[1];
  return construct ? `${construct} is not supported (${message})` : message;
}

/** keepalived-ts's remark when a pattern cannot run here; undefined when it can. */
export function regexRemark(source: RegexSource): string | undefined {
  const c = compileHttpRegex(source);
  if (c.ok) return undefined;
  return `regex '${source.pattern}' cannot run on keepalived-ts's linear-time (RE2) engine: ${c.reason}; this url's check always fails`;
}

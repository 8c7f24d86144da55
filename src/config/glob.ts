/**
 * glob(3) as keepalived calls it for `include`: GLOB_MARK | GLOB_BRACE, with
 * counts of missing files and directories (keepalived's GLOB_ALTDIRFUNC hooks
 * decide its messages from them).
 */
import * as path from 'node:path';
import type { SystemPort } from './system.js';

/** The calls glob makes: GLOB_ALTDIRFUNC's opendir/readdir, stat and lstat. */
export type GlobFiles = Pick<SystemPort, 'readdir' | 'stat' | 'lstat'>;

export interface GlobResult {
  /** Matches in glob order, directories marked with a trailing '/'. Paths as the pattern spelt them. */
  readonly paths: string[];
  readonly missingFiles: number;
  readonly missingDirectories: number;
  readonly hadWildcards: boolean;
}

/** csh brace expansion: `a{b,c{d,e}}f` → abf acdf acef. Braces without a top-level comma stay literal. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth++ === 0) {
        open = i;
        commas.length = 0;
      }
    } else if (c === '}' && depth > 0) {
      if (--depth === 0) {
        if (commas.length === 0) continue;
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const bounds = [open, ...commas, i];
        const out: string[] = [];
        for (let k = 0; k + 1 < bounds.length; k++) {
          const alt = pattern.slice(bounds[k]! + 1, bounds[k + 1]);
          out.push(...expandBraces(head + alt + tail));
        }
        return out;
      }
    } else if (c === ',' && depth === 1) {
      commas.push(i);
    }
  }
  return [pattern];
}

const WILDCARD = /(^|[^\\])[*?[]/;

function hasWildcard(segment: string): boolean {
  return WILDCARD.test(segment);
}

/** fnmatch(3) without flags except that a leading '.' must be matched explicitly. */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\' && i + 1 < segment.length) {
      re += escapeRe(segment[++i]!);
    } else if (c === '*') {
      re += '.*';
    } else if (c === '?') {
      re += '.';
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      re += bracketClass(segment.slice(i + 1, close));
      i = close;
    } else {
      re += escapeRe(c);
    }
  }
  return new RegExp('^' + re + '$', 'su');
}

/** A fnmatch bracket expression as a RegExp class; a reversed range (`[z-a]`) matches nothing, as in glibc. */
function bracketClass(body: string): string {
  let negate = false;
  if (body[0] === '!' || body[0] === '^') {
    negate = true;
    body = body.slice(1);
  }
  let cls = '';
  for (let k = 0; k < body.length; k++) {
    const from = body[k]!;
    if (body[k + 1] === '-' && k + 2 < body.length) {
      const to = body[k + 2]!;
      if (from <= to) cls += `\\u{${from.codePointAt(0)!.toString(16)}}-\\u{${to.codePointAt(0)!.toString(16)}}`;
      k += 2;
    } else {
      cls += `\\u{${from.codePointAt(0)!.toString(16)}}`;
    }
  }
  if (cls === '') return negate ? '[^/]' : '(?!)';
  return `[${negate ? '^' : ''}${cls}]`;
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? '\\' + c : c;
}

function unescape(segment: string): string {
  return segment.replace(/\\(.)/g, '$1');
}

/** Expand one brace-free pattern relative to `cwd`. */
function globOne(files: GlobFiles, pattern: string, cwd: string, acc: { missingFiles: number; missingDirectories: number; hadWildcards: boolean }): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  if (absolute) segments.shift();
  let prefixes = [absolute ? '/' : ''];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const prefix of prefixes) {
      if (!hasWildcard(seg)) {
        next.push(prefix + unescape(seg) + (last ? '' : '/'));
        continue;
      }
      acc.hadWildcards = true;
      const dir = path.resolve(cwd, prefix === '' ? '.' : prefix);
      const names = files.readdir(dir);
      if (!names) {
        acc.missingDirectories++;
        continue;
      }
      const re = segmentRegExp(seg);
      const explicitDot = seg.startsWith('.');
      for (const name of names.sort()) {
        if (name.startsWith('.') && !explicitDot) continue;
        if (re.test(name)) next.push(prefix + name + (last ? '' : '/'));
      }
    }
    prefixes = next;
  }
  const found: string[] = [];
  for (const p of prefixes) {
    const abs = path.resolve(cwd, p);
    const st = files.stat(abs);
    if (st) found.push(st.isDirectory && !p.endsWith('/') ? p + '/' : p);
    else if (files.lstat(abs)) found.push(p);
    else acc.missingFiles++;
  }
  return found;
}

export function glob(files: GlobFiles, pattern: string, cwd: string): GlobResult {
  const acc = { missingFiles: 0, missingDirectories: 0, hadWildcards: false };
  const paths: string[] = [];
  for (const alt of expandBraces(pattern)) paths.push(...globOne(files, alt, cwd, acc));
  return { paths, ...acc };
}

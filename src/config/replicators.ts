/**
 * `~SEQ(var, [start,] [step,] end) text` and `~LST(var|{vars}, values…) text`:
 * emit `text` once per value with the variables defined. Parsing follows
 * keepalived's add_seq/add_lst; numbers are strtol base 0.
 */

import { parseCInteger } from './numbers.js';

export interface Replicator {
  /** Variable assignments for each emission, in order. */
  readonly assignments: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  readonly text: string;
}

export type ReplicatorParse = { ok: true; value: Replicator } | { ok: false; error: string };

/** A bounded number of emissions protects against `~SEQ(i, 0, 1, 1e18)`. */
export const MAX_EMISSIONS = 1_000_000;

function skipBlanks(s: string, p: number): number {
  while (s[p] === ' ' || s[p] === '\t') p++;
  return p;
}

export function parseSeq(line: string, expandParams: (s: string) => string): ReplicatorParse {
  const bad = { ok: false as const, error: `Invalid ~SEQ definition '${line}'` };
  let p = 4;
  const hex = line[p] === 'x';
  if (hex) p++;
  p = skipBlanks(line, p);
  if (line[p++] !== '(') return { ok: false, error: `Invalid ~SEQ specification '${line}'` };
  p = skipBlanks(line, p);
  const varStart = p;
  while (p < line.length && !' \t,)'.includes(line[p]!)) p++;
  const name = line.slice(varStart, p);
  p = skipBlanks(line, p);
  if (p >= line.length || line[p] === ')' || name === '') return bad;
  p = skipBlanks(line, p + 1);
  const close = line.indexOf(')', p);
  if (close < 0) return bad;
  const params = expandParams(line.slice(p, close + 1));
  const nums: number[] = [];
  let q = 0;
  while (true) {
    const n = parseCInteger(params, 0, q);
    nums.push(n.value);
    q = skipBlanks(params, n.end);
    if (params[q] === ')') break;
    if (params[q] !== ',' || nums.length === 3) return bad;
    q++;
  }
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0]!;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    [start, end] = [nums[0]!, nums[1]!];
    step = start <= end ? 1 : -1;
  } else {
    [start, step, end] = [nums[0]!, nums[1]!, nums[2]!];
    if (!step || (start < end && step < 0) || (start > end && step > 0)) return { ok: false, error: `Invalid ~SEQ values '${line}'` };
  }
  if (hex && (start < 0 || end < 0)) return { ok: false, error: `~SEQx is only valid for positive numbers '${line}'` };
  const count = Math.floor((end - start) / step) + 1;
  if (count > MAX_EMISSIONS) return { ok: false, error: `~SEQ would emit ${count} lines, more than ${MAX_EMISSIONS} '${line}'` };
  const assignments: Array<Array<readonly [string, string]>> = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) assignments.push([[name, hex ? v.toString(16) : String(v)]]);
  return { ok: true, value: { assignments, text: line.slice(skipBlanks(line, close + 1)) } };
}

export function parseLst(line: string): ReplicatorParse {
  const bad = { ok: false as const, error: `Invalid ~LST specification '${line}'` };
  let p = skipBlanks(line, 4);
  if (line[p++] !== '(') return bad;
  p = skipBlanks(line, p);
  let endChar = ',';
  if (line[p] === '{') {
    endChar = '}';
    p = skipBlanks(line, p + 1);
  }
  const names: string[] = [];
  while (true) {
    const s = p;
    while (p < line.length && !' \t,}'.includes(line[p]!)) p++;
    names.push(line.slice(s, p));
    p = skipBlanks(line, p);
    if (line[p] === endChar) break;
    if (line[p] !== ',') return bad;
    p = skipBlanks(line, p + 1);
  }
  if (line[p] === '}') p = skipBlanks(line, p + 1);
  if (line[p++] !== ',') return bad;
  p = skipBlanks(line, p);
  const sets: string[][] = [];
  while (true) {
    let setEnd = ',';
    if (line[p] === '{') {
      setEnd = '}';
      p = skipBlanks(line, p + 1);
    }
    const values: string[] = [];
    while (true) {
      const s = p;
      while (p < line.length && !' \t,})'.includes(line[p]!)) p++;
      values.push(line.slice(s, p));
      p = skipBlanks(line, p);
      if (line[p] === setEnd || (line[p] === ')' && setEnd === ',')) break;
      if (line[p] !== ',') return bad;
      p = skipBlanks(line, p + 1);
      if (values.length > names.length - 1) return { ok: false, error: `~LST specification has too many values '${line}'` };
    }
    while (values.length < names.length) values.push('');
    sets.push(values);
    if (line[p] === '}' && setEnd === '}') p = skipBlanks(line, p + 1);
    if (line[p] === ')') break;
    if (line[p] !== ',') return bad;
    p = skipBlanks(line, p + 1);
  }
  if (names.length === 0 || sets.length === 0) return bad;
  const text = line.slice(skipBlanks(line, p + 1));
  return { ok: true, value: { assignments: sets.map((vals) => names.map((n, i) => [n, vals[i]!] as const)), text } };
}

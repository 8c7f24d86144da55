/**
 * vrrp_strict / strict_mode beside the live keepalived: each file in test/fixtures/strict/ through
 * `keepalived -t` and `keepalived-ts -t` in a namespace with eth0, the same messages (without the
 * "(Line N)" prefix keepalived gives only to errors found while reading) and the same exit code.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, requireNetnsOrSkip } from './netns.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/keepalived-ts');
const DIR = path.resolve(import.meta.dirname, '../fixtures/strict');
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith('.conf')).sort();
const run = requireNetnsOrSkip();

const withoutLine = (text: string): string => text.replace(/^\((?:[^():]+: )?Line \d+\) /, '');

/** keepalived's lines of a `-t` run: ours adds indented details and notices of keywords it does not act on. */
function messages(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l && !/^\s/.test(l) && !l.includes(' is read but not acted on by keepalived-ts: '))
    .map(withoutLine);
}

describe.skipIf(!run)('strict mode: -t beside keepalived', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = new Netns('strict');
    ns.addVeths(['eth0']);
  });
  afterAll(() => ns?.delete());

  it.each(FILES)('%s', (file) => {
    const theirs = spawnSync('ip', ['netns', 'exec', ns.name, 'keepalived', '-t', '-f', file], { cwd: DIR, encoding: 'utf8', timeout: 20_000 });
    const ours = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, CLI, '-t', '-f', file], { cwd: DIR, encoding: 'utf8', timeout: 20_000 });
    expect(theirs.status).not.toBe(null);
    expect({ exitCode: ours.status, messages: messages(ours.stderr) }).toEqual({ exitCode: theirs.status, messages: messages(theirs.stderr) });
  });
});

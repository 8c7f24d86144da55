import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandBraces, glob, segmentRegExp } from '../../../src/config/glob.js';
import { tempDir } from '../../tmp.js';

describe('brace expansion', () => {
  it('expands nested alternatives in order and keeps comma-less braces', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('x{y}z')).toEqual(['x{y}z']);
  });
});

describe('bracket expressions', () => {
  it('match ranges and negations, and a reversed range matches nothing instead of throwing', () => {
    expect(segmentRegExp('[a-c]x').test('bx')).toBe(true);
    expect(segmentRegExp('[!a]*').test('a.conf')).toBe(false);
    expect(segmentRegExp('[z-a]').test('m')).toBe(false);
    expect(segmentRegExp('[ $- ]').test(' ')).toBe(true);
  });
});

describe('glob', () => {
  it('matches wildcards in sorted order, skips dot files, marks directories and counts missing files', () => {
    const dir = tempDir('glob');
    for (const f of ['b.conf', 'a.conf', '.hidden.conf']) fs.writeFileSync(path.join(dir, f), '');
    fs.mkdirSync(path.join(dir, 'd.conf'));
    expect(glob('*.conf', dir).paths).toEqual(['a.conf', 'b.conf', 'd.conf/']);
    const missing = glob('{a,z}.conf', dir);
    expect(missing.paths).toEqual(['a.conf']);
    expect(missing.missingFiles).toBe(1);
    expect(glob('nodir/*.conf', dir)).toMatchObject({ paths: [], missingDirectories: 1, hadWildcards: true });
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandBraces, glob, segmentRegExp } from '../../../src/config/glob.js';
import { hostSystem } from '../../../src/config/system.js';
import { conf, fakeHost } from './fake-host.js';
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
  const confD = fakeHost({
    files: {
      '/etc/keepalived/b.conf': conf(''),
      '/etc/keepalived/a.conf': conf(''),
      '/etc/keepalived/.hidden.conf': conf(''),
      '/etc/keepalived/d.conf': { mode: 0o40755, dir: true },
      '/etc/keepalived/gone.conf': { mode: 0o120777, link: '/etc/keepalived/nowhere' },
    },
  });
  it('matches wildcards in sorted order, skips dot files, marks directories and counts missing files', () => {
    expect(glob(confD, '*.conf', '/etc/keepalived').paths).toEqual(['a.conf', 'b.conf', 'd.conf/', 'gone.conf']);
    const missing = glob(confD, '{a,z}.conf', '/etc/keepalived');
    expect(missing.paths).toEqual(['a.conf']);
    expect(missing.missingFiles).toBe(1);
    expect(glob(confD, 'nodir/*.conf', '/etc/keepalived')).toMatchObject({ paths: [], missingDirectories: 1, hadWildcards: true });
  });
  it('keeps a dangling symbolic link (lstat finds it) and spells paths as the pattern did', () => {
    expect(glob(confD, '/etc/keepalived/gone.conf', '/')).toMatchObject({ paths: ['/etc/keepalived/gone.conf'], missingFiles: 0, hadWildcards: false });
    expect(glob(confD, '../keepalived/[ab].conf', '/etc/keepalived')).toMatchObject({ paths: ['../keepalived/a.conf', '../keepalived/b.conf'] });
  });
  it('reads the real file system the same way', () => {
    const dir = tempDir('glob');
    for (const f of ['b.conf', 'a.conf', '.hidden.conf']) fs.writeFileSync(path.join(dir, f), '');
    fs.mkdirSync(path.join(dir, 'd.conf'));
    fs.symlinkSync('nowhere', path.join(dir, 'gone.conf'));
    expect(glob(hostSystem(), '*.conf', dir).paths).toEqual(['a.conf', 'b.conf', 'd.conf/', 'gone.conf']);
    expect(glob(hostSystem(), 'nodir/*.conf', dir)).toMatchObject({ paths: [], missingDirectories: 1, hadWildcards: true });
  });
});

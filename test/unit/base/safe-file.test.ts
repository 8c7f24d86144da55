import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSafely, writeThroughTemporary } from '../../../src/base/safe-file.js';
import { tempDir } from '../../tmp.js';

// keepalived's default: what the daemon runs with
let umask: number;
beforeEach(() => (umask = process.umask(0o177)));
afterEach(() => void process.umask(umask));

function target(dir: string): string {
  const file = path.join(dir, 'precious');
  fs.writeFileSync(file, 'precious\n', { mode: 0o644 });
  return file;
}

function modeOf(file: string): number {
  return fs.lstatSync(file).mode & 0o777;
}

describe('writeFileSafely', () => {
  it('replaces a planted symbolic link with a new 0600 file, leaves its target alone and says so', () => {
    const dir = tempDir('safe');
    const precious = target(dir);
    const file = path.join(dir, 'keepalived.stats');
    fs.symlinkSync(precious, file);
    const warnings: string[] = [];
    writeFileSafely(file, 'stats\n', { mode: 0o600, warn: (m) => warnings.push(m) });
    expect(fs.readFileSync(precious, 'utf8')).toBe('precious\n');
    expect(fs.lstatSync(file).isFile()).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('stats\n');
    expect(modeOf(file)).toBe(0o600);
    expect(warnings).toEqual([`${file} was a symbolic link to ${precious}: replaced it with a new file instead of writing through it`]);
  });

  it('creates nothing through a dangling link', () => {
    const dir = tempDir('safe');
    const absent = path.join(dir, 'absent');
    const file = path.join(dir, 'keepalived.json');
    fs.symlinkSync(absent, file);
    writeFileSafely(file, '[]\n', { mode: 0o600 });
    expect(fs.existsSync(absent)).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('[]\n');
  });

  it('replaces a pre-made 0666 file by a fresh 0600 one: whoever holds the old one open reads none of the new text', () => {
    const dir = tempDir('safe');
    const file = path.join(dir, 'keepalived.data');
    fs.writeFileSync(file, 'old\n');
    fs.chmodSync(file, 0o666);
    const before = fs.statSync(file).ino;
    const heldOpen = fs.openSync(file, 'r');
    try {
      writeFileSafely(file, ' Password = s3cret\n', { mode: 0o600 });
      expect(modeOf(file)).toBe(0o600);
      expect(fs.statSync(file).ino).not.toBe(before);
      expect(fs.readFileSync(file, 'utf8')).toBe(' Password = s3cret\n');
      expect(fs.readFileSync(heldOpen, 'utf8')).toBe('old\n');
    } finally {
      fs.closeSync(heldOpen);
    }
  });

  it('refuses, following nothing, when its new file name is taken between choosing and creating it', () => {
    const dir = tempDir('safe');
    const precious = target(dir);
    const file = path.join(dir, 'keepalived.stats');
    fs.writeFileSync(file, 'previous\n');
    const temporary = `${file}.planted`;
    fs.symlinkSync(precious, temporary);
    expect(() => writeThroughTemporary(file, 'stats\n', { mode: 0o600 }, temporary)).toThrow(
      `cannot write ${file}: temporary file ${temporary} already exists (someone else made it; not followed)`,
    );
    expect(fs.readFileSync(precious, 'utf8')).toBe('precious\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('previous\n');
    expect(fs.readlinkSync(temporary)).toBe(precious);
  });

  it('says which directory is missing', () => {
    const file = path.join(tempDir('safe'), 'no-such-dir', 'keepalived.data');
    expect(() => writeFileSafely(file, 'x', { mode: 0o600 })).toThrow(`cannot write ${file}: directory ${path.dirname(file)} does not exist`);
  });

  it('leaves a directory at the path alone and no file of its own behind', () => {
    const dir = tempDir('safe');
    const file = path.join(dir, 'keepalived.data');
    fs.mkdirSync(file);
    expect(() => writeFileSafely(file, 'x', { mode: 0o600 })).toThrow(`cannot write ${file}: it is a directory`);
    expect(fs.readdirSync(dir)).toEqual(['keepalived.data']);
  });

  it('gives the mode less the umask, or exactly the mode when asked (pid files)', () => {
    const dir = tempDir('safe');
    writeFileSafely(path.join(dir, 'track'), '0\n', { mode: 0o666 });
    writeFileSafely(path.join(dir, 'pid'), '1\n', { mode: 0o644, exactMode: true });
    expect(modeOf(path.join(dir, 'track'))).toBe(0o600);
    expect(modeOf(path.join(dir, 'pid'))).toBe(0o644);
  });
});

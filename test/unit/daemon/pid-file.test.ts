import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimPidFile, removePidFile } from '../../../src/daemon/pid-file.js';
import { tempDir } from '../../tmp.js';

// keepalived's default: pid files and their directory keep their modes under it
let umask: number;
beforeEach(() => (umask = process.umask(0o177)));
afterEach(() => void process.umask(umask));

const noWarnings = (m: string): never => {
  throw new Error(`unexpected warning: ${m}`);
};

describe('pid files', () => {
  it('writes our pid with a newline, 0644 in a 0755 directory it creates, and removes it', () => {
    const file = path.join(tempDir('pid'), 'run', 'keepalived.pid');
    expect(claimPidFile(file, noWarnings)).toEqual({ claimed: true });
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o755);
    removePidFile(file);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a file held by a live process and leaves it alone', () => {
    const file = path.join(tempDir('pid'), 'keepalived.pid');
    fs.writeFileSync(file, '1\n');
    expect(claimPidFile(file, noWarnings)).toEqual({ heldBy: 1 });
    removePidFile(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('1\n');
  });

  it('takes over a stale file whose process is gone', () => {
    const file = path.join(tempDir('pid'), 'keepalived.pid');
    const gone = spawnSync('true').pid!;
    fs.writeFileSync(file, `${gone}\n`);
    expect(claimPidFile(file, noWarnings)).toEqual({ claimed: true });
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('replaces a planted symbolic link instead of writing through it, and says so', () => {
    const dir = tempDir('pid');
    const precious = path.join(dir, 'precious');
    fs.writeFileSync(precious, 'precious\n');
    const file = path.join(dir, 'keepalived.pid');
    fs.symlinkSync(precious, file);
    const warnings: string[] = [];
    expect(claimPidFile(file, (m) => warnings.push(m))).toEqual({ claimed: true });
    expect(fs.readFileSync(precious, 'utf8')).toBe('precious\n');
    expect(fs.lstatSync(file).isFile()).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    expect(warnings).toEqual([`${file} was a symbolic link to ${precious}: replaced it with a new file instead of writing through it`]);
  });

  it('does not take a link to a file naming us for our pid file, and removes neither', () => {
    const dir = tempDir('pid');
    const precious = path.join(dir, 'precious');
    fs.writeFileSync(precious, `${process.pid}\n`);
    const file = path.join(dir, 'keepalived.pid');
    fs.symlinkSync(precious, file);
    removePidFile(file);
    expect(fs.readlinkSync(file)).toBe(precious);
    expect(fs.readFileSync(precious, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('gives the reason it cannot write, in keepalived words', () => {
    const dir = tempDir('pid');
    const file = path.join(dir, 'keepalived.pid');
    fs.mkdirSync(file);
    expect(claimPidFile(file, noWarnings)).toEqual({ error: `pidfile_write : Cannot open ${file} pidfile (cannot write ${file}: it is a directory)` });
  });
});

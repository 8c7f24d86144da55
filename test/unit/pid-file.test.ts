import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimPidFile, removePidFile } from '../../src/pid-file.js';
import { tempDir } from '../tmp.js';

describe('pid files', () => {
  it('writes our pid with a newline, creating the directory, and removes it', () => {
    const file = path.join(tempDir('pid'), 'run', 'keepalived.pid');
    expect(claimPidFile(file)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    removePidFile(file);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a file held by a live process and leaves it alone', () => {
    const file = path.join(tempDir('pid'), 'keepalived.pid');
    fs.writeFileSync(file, '1\n');
    expect(claimPidFile(file)).toBe(1);
    removePidFile(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('1\n');
  });

  it('takes over a stale file whose process is gone', () => {
    const file = path.join(tempDir('pid'), 'keepalived.pid');
    const gone = spawnSync('true').pid!;
    fs.writeFileSync(file, `${gone}\n`);
    expect(claimPidFile(file)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
  });
});

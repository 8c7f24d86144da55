/**
 * The real SystemPort's file reads (hostSystem().readText, readBounded): whatever stands at the path, a reload
 * must neither block nor take the file's size in memory.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostSystem, MAX_CONFIG_FILE_BYTES, readBounded } from '../../../src/config/system.js';
import { parseConfig } from '../../../src/config/parse.js';
import { tempDir } from '../../tmp.js';

const dir = tempDir('host-files');

describe('hostSystem().readText', () => {
  it('reads a regular file whole', () => {
    const file = path.join(dir, 'plain.conf');
    fs.writeFileSync(file, 'global_defs {\n}\n');
    expect(hostSystem().readText(file, 'latin1')).toEqual({ text: 'global_defs {\n}\n' });
  });

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = path.join(dir, 'fifo.conf');
    execFileSync('mkfifo', [fifo]);
    const read = hostSystem().readText(fifo, 'latin1');
    expect(read).toEqual({ error: `${fifo} is not a regular file` });
  });

  it('refuses a file larger than the limit without reading it', () => {
    const huge = path.join(dir, 'huge.conf');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, MAX_CONFIG_FILE_BYTES + 1);
    const read = hostSystem().readText(huge, 'latin1');
    expect('error' in read && read.error).toMatch(/^EFBIG: file too large/);
  });

  it('reads up to the limit and no further, also from a file that grew after its fstat', () => {
    const file = path.join(dir, 'ten.conf');
    fs.writeFileSync(file, '0123456789');
    expect(readBounded(file, 10)).toEqual({ bytes: Buffer.from('0123456789') });
    expect(readBounded(file, 9)).toEqual({ error: `EFBIG: file too large, ${file} (more than 9 bytes)` });
  });
});

describe('an include of a huge file at reload', () => {
  it('is skipped as an open problem and the rest of the configuration is read', () => {
    const huge = path.join(dir, 'include-huge.conf');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 1 << 30);
    const main = path.join(dir, 'main.conf');
    fs.writeFileSync(main, `include ${huge}\nvrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 1\n  priority 100\n}\n`);
    const parsed = parseConfig(main, { testMode: true });
    expect(parsed.config.vrrp.instances.map((i) => i.name)).toEqual(['VI_1']);
    expect(parsed.diagnostics.map((d) => d.message).join('\n')).toMatch(/open problem \(EFBIG: file too large/);
  });
});

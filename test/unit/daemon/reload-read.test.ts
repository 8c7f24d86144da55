/**
 * A child's reading of the configuration at SIGHUP (src/daemon/reload-read.ts): both children (VRRP and
 * checker) take the file only when it may replace the running one. The reload-storm soak case found keepalived
 * reloading an empty configuration from a file deleted at the wrong moment (every VIP removed); the parent's
 * check does not cover the children's later read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readForReload } from '../../../src/daemon/reload-read.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { tempDir } from '../../tmp.js';

const dir = tempDir('reload-read');
const good = 'virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n    TCP_CHECK {\n    }\n  }\n}\n';

function read(text: string | undefined): { parsed: ReturnType<typeof readForReload>; lines: string[] } {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.conf`);
  if (text !== undefined) fs.writeFileSync(file, text);
  const { log, lines } = fakeLogger();
  return { parsed: readForReload(file, { testMode: false }, log), lines };
}

describe('readForReload', () => {
  it('takes a good file', () => {
    const { parsed, lines } = read(good);
    expect(parsed?.config.check.virtualServers).toHaveLength(1);
    expect(lines).toEqual([]);
  });

  it('keeps the running configuration when the file is gone (it would read as an empty one)', () => {
    const { parsed, lines } = read(undefined);
    expect(parsed).toBeUndefined();
    expect(lines.at(-1)).toMatch(/^Reload aborted: the new configuration has errors; the running one is kept\n {4}keepalived treats it as fatal$/);
  });

  it('keeps the running configuration when the file was cut short (its blocks do not match)', () => {
    const { parsed, lines } = read(good.slice(0, good.indexOf('TCP_CHECK')));
    expect(parsed).toBeUndefined();
    expect(lines[0]).toMatch(/There are 2 missing '\}'s or extra '\{'s/);
    expect(lines.at(-1)).toMatch(/its '\{' '\}' blocks do not match$/);
  });

  it('keeps the running configuration when reading throws', () => {
    const { log, lines } = fakeLogger();
    const parsed = readForReload('/x.conf', {}, log, () => {
      throw new Error('EIO: i/o error');
    });
    expect(parsed).toBeUndefined();
    expect(lines).toEqual(['Reload aborted: the new configuration cannot be read (EIO: i/o error); the running one is kept']);
  });
});

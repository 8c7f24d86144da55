import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { conf, fakeHost } from './fake-host.js';

function run(texts: Record<string, string>, main = 'keepalived.conf', allConfig = false) {
  const files = Object.fromEntries(Object.entries(texts).map(([name, text]) => [path.join('/etc/keepalived', name), conf(text)]));
  return parseConfig(main, { cwd: '/etc/keepalived', system: fakeHost({ files }), testMode: true, allConfig });
}

describe('include failures and the -t exit code', () => {
  it('a plain include of a missing file is only logged', () => {
    const r = run({ 'keepalived.conf': 'include missing.conf\n' });
    expect(r.exitCode).toBe(0);
    expect(r.readToEnd).toBe(true);
  });
  it('includem of a missing file stops reading with exit 6, as keepalived does', () => {
    const r = run({ 'keepalived.conf': 'includem missing.conf\nvrrp_instance VI_1 {\n}\n' });
    expect(r.exitCode).toBe(6);
    expect(r.readToEnd).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual(["Config files missing 'missing.conf'."]);
  });
  it('include_check makes a plain include strict', () => {
    expect(run({ 'keepalived.conf': 'global_defs {\n include_check match\n}\ninclude missing.conf\n' }).exitCode).toBe(6);
  });
  it('-e (--all-config) makes a plain include strict from the first line', () => {
    expect(run({ 'keepalived.conf': 'include missing.conf\n' }, 'keepalived.conf', true).exitCode).toBe(6);
  });
  it('a missing main file is "no configuration"', () => {
    const r = run({}, 'nothere.conf');
    expect(r.exitCode).toBe(6);
    expect(r.readToEnd).toBe(false);
  });
});

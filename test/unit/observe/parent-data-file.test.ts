import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parentDataText, writeParentDataFile } from '../../../src/observe/parent-data-file.js';
import { dataText } from '../../../src/observe/data-file.js';
import { dumpedGlobals } from '../../../src/daemon/dumped-globals.js';
import { parseText } from '../config/vrrp-helpers.js';
import { fakeHost } from '../config/fake-host.js';
import { tempDir } from '../../tmp.js';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/dumps');
/** Lines keepalived prints that we hold no true value for (global-dump.ts leaves them out). */
const LEFT_OUT = [/^ libnftnl version /];

function parsed(text: string) {
  const p = parseText(text, fakeHost({ interfaces: ['lo', 've0'], hostname: 'test' }));
  expect(p.exitCode).toBe(0);
  return p.result.config;
}

describe('keepalived_parent.data', () => {
  const tmp = process.env.TMPDIR;
  afterEach(() => {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  });

  it("is keepalived's parent dump of the same configuration, less the lines we hold no value for", () => {
    const config = parsed(fs.readFileSync(path.join(FIXTURES, 'parent.conf'), 'utf8'));
    const recorded = fs.readFileSync(path.join(FIXTURES, 'parent.keepalived_parent.data'), 'utf8');
    const expected = recorded
      .split('\n')
      .filter((l) => !LEFT_OUT.some((re) => re.test(l)))
      .join('\n');
    // as the parent dumps it: the mask in force, the default script user resolved (keepalived ran as root)
    const dumped = dumpedGlobals({ namespace: undefined, umask: undefined }, config.global, { user: () => undefined, uid: 0, gid: 0 });
    expect(parentDataText(dumped)).toBe(expected);
  });

  it("leaves the VRRP process's completions out: no default interface, lower-priority GARP unset", () => {
    const config = parsed('global_defs {\n vrrp_garp_master_delay 3\n}\n');
    const lines = parentDataText(config.global).split('\n');
    expect(lines.some((l) => l.startsWith(' Default interface'))).toBe(false);
    expect(lines).toContain(' Gratuitous ARP lower priority delay = 4294967295');
    expect(lines).toContain(' Gratuitous ARP lower priority repeat = 4294967295');
  });

  it('is written to $TMPDIR as a new 0600 file, named with the namespace and instance under data_use_instance', () => {
    process.env.TMPDIR = tempDir('parent-data');
    const config = parsed('global_defs {\n data_use_instance\n}\ninstance i1\n');
    const file = writeParentDataFile(config.global, () => undefined);
    expect(file).toBe(path.join(process.env.TMPDIR, 'keepalived_parent.i1.data'));
    expect(fs.readFileSync(file, 'utf8')).toBe(parentDataText(config.global));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('starts keepalived.data the same way, with the VRRP process completions', () => {
    const config = parsed('');
    const vrrp = dataText({ config, instances: [], groups: [], wallOffsetUs: 0 }).split('\n');
    expect(vrrp).toContain(' Default interface = eth0');
    expect(vrrp).toContain(' SNMP socket = default (unix:/var/agentx/master)');
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { statsText, writeStatsFile } from '../../../src/observe/stats-file.js';
import type { InstanceCounter } from '../../../src/vrrp/runner/runner.js';
import { tempDir } from '../../tmp.js';

const COUNTERS: InstanceCounter[] = [
  'advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'packet_len_err', 'ip_ttl_err', 'invalid_type_rcvd',
  'advert_interval_err', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure', 'pri_zero_rcvd', 'pri_zero_sent',
  'chk_err', 'vers_err',
];

/** Each counter a distinct number, so a field in the wrong place shows. */
const numbered = Object.fromEntries(COUNTERS.map((c, i) => [c, i + 1])) as Record<InstanceCounter, number>;

describe('keepalived.stats', () => {
  const before = process.env.TMPDIR;
  afterEach(() => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  });

  it("prints every instance in keepalived's layout", () => {
    expect(statsText([{ name: 'VI_1', stats: numbered }])).toBe(
      [
        'VRRP Instance: VI_1',
        '  Advertisements:',
        '    Received: 1',
        '    Sent: 2',
        '  Became master: 3',
        '  Released master: 4',
        '  Packet Errors:',
        '    Length: 5',
        '    TTL: 6',
        '    Invalid Type: 7',
        '    Advertisement Interval: 8',
        '    Address List: 9',
        '  Authentication Errors:',
        '    Invalid Type: 10',
        '    Type Mismatch: 11',
        '    Failure: 12',
        '  Priority Zero:',
        '    Received: 13',
        '    Sent: 14',
        '',
      ].join('\n'),
    );
  });

  it('writes $TMPDIR/keepalived.stats 0600, one block per instance in order, replacing a planted link without following it', () => {
    process.env.TMPDIR = tempDir('stats');
    const precious = path.join(process.env.TMPDIR, 'precious');
    fs.writeFileSync(precious, 'precious\n');
    fs.symlinkSync(precious, path.join(process.env.TMPDIR, 'keepalived.stats'));
    const warnings: string[] = [];
    const file = writeStatsFile(
      [
        { name: 'VI_1', stats: numbered },
        { name: 'VI_2', stats: numbered },
      ],
      (m) => warnings.push(m),
    );
    expect(file).toBe(path.join(process.env.TMPDIR, 'keepalived.stats'));
    const text = fs.readFileSync(file, 'utf8');
    expect(text.match(/^VRRP Instance: (\S+)$/gm)).toEqual(['VRRP Instance: VI_1', 'VRRP Instance: VI_2']);
    expect(fs.lstatSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(precious, 'utf8')).toBe('precious\n');
    expect(warnings).toHaveLength(1);
  });
});

/** Writing the model back as text: the entries that are hardest to write so they read back the same. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/parse.js';
import { scriptCommand } from '../../../src/config/quote.js';
import { writeConfig } from '../../../src/config/write.js';
import { stripLocations } from './strip-locations.js';
import { SECURE, instance, parseText } from './vrrp-helpers.js';

const model = (c: Config): unknown => stripLocations({ ...c, files: undefined });

/** parse → write → parse; returns both models and the text written. */
function roundTrip(text: string): { first: unknown; second: unknown; written: string } {
  const first = parseText(text).result.config;
  const written = writeConfig(first);
  return { first: model(first), second: model(parseText(written).result.config), written };
}

describe('writeConfig', () => {
  it('writes script words with quotes, escapes, comment and brace characters so both splitting levels give them back', () => {
    const words = fc.string({ unit: fc.constantFrom(...'ab /\'"\\#!{}$~@\t\n\x01-'.split('')), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(words, { minLength: 1, maxLength: 4 }), (argv) => {
        const text = `global_defs {\n notify_fifo /tmp/fifo\n notify_fifo_script ${scriptCommand(argv)}\n}\n`;
        expect(parseText(text).result.config.global.notifyFifo.script?.argv).toEqual(argv);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips notify scripts with a run-as user, and a vrrp_script with arguments', () => {
    const text = `${SECURE}vrrp_script chk {\n script "/usr/local/bin/check.sh 'a b' \\"c\\" d\\\\e"\n weight -20 reverse\n}\n${instance(
      ' track_script {\n  chk\n }\n notify_master "/usr/local/bin/check.sh master \'#1\'" root root',
    )}`;
    const { first, second } = roundTrip(text);
    expect((first as Config).vrrp.scripts[0]!.script!.argv).toEqual(['/usr/local/bin/check.sh', 'a b', 'c', 'de']);
    expect(second).toEqual(first);
  });

  it('round-trips addresses with every option', () => {
    const { first, second } = roundTrip(
      instance(
        [
          ' virtual_ipaddress_excluded {',
          '  10.1.0.1/24 brd + dev eth1 scope link label eth1:vip home noprefixroute no_track',
          '  10.2.0.1 peer 10.2.0.2 dev eth0',
          '  fe80::1/64 dev eth1 -nodad mngtmpaddr autojoin preferred_lft 30',
          ' }',
        ].join('\n'),
      ),
    );
    expect(((first as Config).vrrp.instances[0]!.evips ?? []).length).toBe(3);
    expect(second).toEqual(first);
  });

  it('round-trips routes with nexthops, encapsulation, locked metrics and a table', () => {
    const { first, second, written } = roundTrip(
      instance(
        [
          ' virtual_routes {',
          '  10.3.0.0/16 via 10.0.0.254 dev eth0 table 100 metric 5 mtu lock 1400 rtt 300 append',
          '  blackhole 10.4.0.0/16 no_track',
          '  10.5.0.0/16 encap ip id 7 dst 10.9.9.9 ttl 5 dev eth0',
          '  default nexthop via 10.0.0.1 dev eth0 weight 2 nexthop via 10.0.0.2 dev eth1 onlink',
          '  inet6 2001:db8::/32 dev eth1 pref high expires 60',
          ' }',
        ].join('\n'),
      ),
    );
    expect((first as Config).vrrp.instances[0]!.vroutes.length).toBe(5);
    expect(written).toContain('mtu lock 1400');
    expect(second).toEqual(first);
  });

  it('round-trips rules, keeping assigned preferences assigned', () => {
    const { first, second, written } = roundTrip(
      instance(
        [
          ' virtual_rules {',
          '  from 10.0.0.0/8 fwmark 0x10/0xff table 100',
          '  to 10.6.0.0/16 iif eth1 uidrange 1000-2000 ipproto tcp dport 80-90 prohibit',
          '  preference 100 from all goto 200',
          '  inet6 from 2001:db8::/32 l3mdev no_track',
          ' }',
        ].join('\n'),
      ),
    );
    expect(written).not.toContain('preference 16384');
    expect(second).toEqual(first);
  });
});

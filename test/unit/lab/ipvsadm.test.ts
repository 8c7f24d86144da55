/** `ipvsadm -Sn` text against what keepalived 2.2.7 programmed (test/fixtures/ipvs), and round trips. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpvsadm, renderIpvsadm } from '../../../lab/ipvsadm.js';
import { sameTable, type Table } from '../../../src/ipvs/table.js';
import { asIpvsadmShows, tableArb } from '../ipvs/arbitraries.js';
import { expectedFiles, readVector, tableOf as parsed } from '../ipvs/vectors.js';

describe('keepalived 2.2.7 vectors', () => {
  it('has them all', () => {
    expect(expectedFiles.length).toBeGreaterThanOrEqual(24);
  });

  it.each(expectedFiles)('%s parses and re-renders identically', (file) => {
    const text = readVector(file);
    const table = parsed(text);
    expect(renderIpvsadm(table)).toBe(text);
    // Order aside: a shuffled listing is the same table.
    const shuffled = text.split('\n').filter((l) => l.startsWith('-A')).reverse();
    const reordered = shuffled.flatMap((a) => [a, ...text.split('\n').filter((l) => l.startsWith(`-a ${a.slice(3, a.indexOf(' -s '))} `)).reverse()]);
    expect(sameTable(parsed(reordered.join('\n')), table)).toBe(true);
  });
});

describe('rendering', () => {
  it('prints every option in ipvsadm 1.31 order', () => {
    const table: Table = [
      {
        service: {
          key: { kind: 'address', family: 'inet6', protocol: 'sctp', address: 'fd99:1::100', port: 9 },
          scheduler: 'rr',
          flags: 0x1 | 0x4 | 0x8 | 0x20,
          timeout: 60,
          netmask: 64,
          peName: 'sip',
        },
        destinations: [
          { family: 'inet6', address: 'fd99:1::2', port: 9, forwarding: { method: 'TUN', tunnel: { type: 'gue', port: 6080, checksum: 'csum' } }, weight: 3, upperThreshold: 5, lowerThreshold: 1 },
          { family: 'inet6', address: 'fd99:1::1', port: 9, forwarding: { method: 'TUN', tunnel: { type: 'gre', checksum: 'nocsum' } }, weight: 0, upperThreshold: 0, lowerThreshold: 0 },
        ],
      },
      {
        service: { key: { kind: 'fwmark', family: 'inet6', fwmark: 3 }, scheduler: 'sh', flags: 0x10, timeout: 0, netmask: 128 },
        destinations: [],
      },
    ];
    expect(renderIpvsadm(table)).toBe(
      [
        '-A --sctp-service [fd99:1::100]:9 -s rr -p 60 -M 64 --pe sip -o -b flag-1,flag-3',
        '-a --sctp-service [fd99:1::100]:9 -r [fd99:1::1]:9 -i -w 0 --tun-type gre --tun-nocsum',
        '-a --sctp-service [fd99:1::100]:9 -r [fd99:1::2]:9 -i -w 3 --tun-type gue --tun-port 6080 --tun-csum',
        '-A -f 3 -6 -s sh -b sh-port',
        '',
      ].join('\n'),
    );
  });

  it('renders an empty table as nothing (keepalived removed everything)', () => {
    expect(renderIpvsadm([])).toBe('');
  });
});

describe('parsing', () => {
  it('round-trips any table, as far as ipvsadm shows it', () => {
    fc.assert(
      fc.property(tableArb(true), (table) => {
        const shown = asIpvsadmShows(table);
        const back = parsed(renderIpvsadm(shown));
        expect(sameTable(back, shown)).toBe(true);
        expect(renderIpvsadm(back)).toBe(renderIpvsadm(shown));
      }),
    );
  });

  it('reports the first bad line', () => {
    const bad = (text: string): string => {
      const r = parseIpvsadm(text);
      return r.ok ? 'ok' : r.diagnostic.message;
    };
    expect(bad('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.2:80 -r 10.0.0.3:80 -m -w 1\n')).toBe('line 2: destination of a service not listed before it');
    expect(bad('-A -t 10.0.0.1:80 -s sh -b mh-port\n')).toBe('line 1: unknown scheduler flag "mh-port" for sh');
    expect(bad('-A -t 10.0.0.256:80 -s rr\n')).toBe('line 1: bad address:port "10.0.0.256:80"');
    expect(bad('-E -t 10.0.0.1:80\n')).toBe('line 1: unknown command "-E"');
  });

  it('never throws on arbitrary text', () => {
    const word = fc.oneof(fc.constantFrom('-A', '-a', '-t', '-u', '-f', '-6', '-s', '-p', '-M', '-b', '-r', '-m', '-g', '-i', '-w', '--tun-type', '--tun-port', 'gue', 'sh', 'sh-port', '10.0.0.1:80', '[::1]:80', '1', '255.255.255.0'), fc.string({ maxLength: 6 }));
    const text = fc.array(fc.array(word, { maxLength: 10 }).map((ws) => ws.join(' ')), { maxLength: 8 }).map((ls) => ls.join('\n'));
    fc.assert(
      fc.property(text, (t) => {
        expect(typeof parseIpvsadm(t).ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { parseText } from './parse-text.js';

describe('bfd_instance in the BFD process', () => {
  it('has keepalived defaults (µs) and the family TTL', () => {
    const r = parseText('bfd_instance b4 {\n  neighbor_ip 10.0.0.2\n}\nbfd_instance b6 {\n  neighbor_ip fd00:0:0::2\n  source_ip fd00::1\n}\n');
    expect(r.texts).toEqual([]);
    expect(r.config.bfd.instances).toMatchObject([
      { name: 'b4', neighbor: '10.0.0.2', minRx: 10000, minTx: 10000, idleTx: 1000000, multiplier: 5, ttl: 255, maxHops: 0, passive: false, vrrp: true, checker: true },
      { name: 'b6', neighbor: 'fd00::2', source: 'fd00::1', ttl: 64 },
    ]);
  });

  it('reads the timers in milliseconds with three decimals', () => {
    const r = parseText('bfd_instance b {\n  neighbor_ip 10.0.0.2\n  min_rx 20\n  min_tx 1.5\n  idle_tx 2000\n  multiplier 6\n  passive\n  ttl 10\n  max_hops 3\n  checker\n}\n');
    expect(r.texts).toEqual([]);
    expect(r.config.bfd.instances[0]).toMatchObject({ minRx: 20000, minTx: 1500, idleTx: 2000000, multiplier: 6, passive: true, ttl: 10, maxHops: 3, vrrp: false, checker: true });
  });

  it('an instance without a neighbor is disabled, reported at its closing line', () => {
    const r = parseText('bfd_instance test {\n  min_rx 20\n}\n');
    expect(r.texts).toEqual(['(keepalived.conf: Line 3) Configuration error: BFD instance test has no neighbor address set, disabling instance']);
    expect(r.exitCode).toBe(5);
    expect(r.config.bfd.instances).toEqual([]);
  });

  it('rejects mixed families, duplicates and out-of-range values', () => {
    const r = parseText(
      'bfd_instance a {\n  neighbor_ip 10.0.0.2\n  source_ip fd00::1\n}\n' +
        'bfd_instance b {\n  neighbor_ip 10.0.0.3\n  multiplier 0\n  max_hops 300\n}\n' +
        'bfd_instance c {\n  neighbor_ip 10.0.0.3\n}\n' +
        'bfd_instance b {\n}\n' +
        'bfd_instance d {\n  neighbor_ip 10.0.0.4\n  ttl 5\n  max_hops 9\n}\n',
    );
    // As keepalived 2.2.7 prints them: the checker process reads the block first; one buffer shows the source twice.
    expect(r.texts).toEqual([
      '(keepalived.conf: Line 13) BFD b already specified',
      '(keepalived.conf: Line 4) Configuration error: BFD instance a source address fd00::1 and neighbor address fd00::1 are not of the same family, disabling instance',
      "(keepalived.conf: Line 7) number '0' outside range [1, 255]",
      '(keepalived.conf: Line 7) Configuration error: BFD instance b multiplier value 0 not valid (must be in range [1-255]), ignoring',
      "(keepalived.conf: Line 8) number '300' outside range [-1, 255]",
      '(keepalived.conf: Line 8) Configuration error: BFD instance b max_hops value 300 not valid (must be in range [-1-255]), ignoring',
      '(keepalived.conf: Line 12) Configuration error: BFD instance c has duplicate neighbor address 10.0.0.3, ignoring instance',
      '(keepalived.conf: Line 13) Configuration error: BFD instance b already configured - ignoring',
      '(keepalived.conf: Line 19) BFD instance d: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit',
    ]);
    expect(r.config.bfd.instances.map((b) => [b.name, b.maxHops])).toEqual([
      ['b', 0],
      ['d', 5],
    ]);
  });

  it('a malformed neighbor drops the instance and the rest of its block', () => {
    const r = parseText('bfd_instance a {\n  neighbor_ip 10.0.0.300\n  bogus\n}\n');
    expect(r.texts).toEqual([
      "(keepalived.conf: Line 3) Unknown keyword 'bogus'",
      '(keepalived.conf: Line 2) Configuration error: BFD instance a has malformed neighbor address 10.0.0.300, ignoring instance',
    ]);
    expect(r.config.bfd.instances).toEqual([]);
  });
});

describe('bfd_instance in the checker process', () => {
  it('keeps the names for BFD_CHECK unless only the vrrp process asked for events', () => {
    const r = parseText(
      'bfd_instance a {\n  neighbor_ip 10.0.0.2\n  weight -20 reverse\n}\n' +
        'bfd_instance b {\n  neighbor_ip 10.0.0.3\n  checker\n}\n' +
        'bfd_instance c {\n  neighbor_ip 10.0.0.4\n  vrrp\n}\n',
    );
    expect(r.texts).toEqual([]);
    expect(r.config.bfd.checkerTracked.map((t) => t.name)).toEqual(['a', 'b']);
    expect(r.config.bfd.instances.map((b) => [b.name, b.vrrp, b.checker])).toEqual([
      ['a', true, true],
      ['b', false, true],
      ['c', true, false],
    ]);
  });
});

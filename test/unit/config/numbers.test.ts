import { describe, expect, it } from 'vitest';
import { ConfigErr } from '../../../src/config/diagnostics.js';
import { NumberReader, checkTrueFalse, parseCInteger } from '../../../src/config/numbers.js';

function reader(testMode = true) {
  const reports: Array<[ConfigErr, string]> = [];
  return { n: new NumberReader({ report: (c, m) => reports.push([c, m]) }, testMode), reports };
}

describe('integers', () => {
  it('accepts in range, rejects garbage and range with keepalived texts', () => {
    const { n, reports } = reader();
    expect(n.int('100', 1, 255)).toBe(100);
    expect(n.int('100abc', 1, 255)).toBeUndefined();
    expect(n.int('300', 1, 255)).toBeUndefined();
    expect(n.unsigned('-1', 0, 10)).toBeUndefined();
    expect(reports).toEqual([
      [ConfigErr.InvalidNumber, "invalid number '100abc'"],
      [ConfigErr.InvalidNumber, "number '300' outside range [1, 255]"],
      [ConfigErr.InvalidNumber, "negative number '-1'"],
    ]);
  });
  it('lets the daemon use an in-range prefix when keepalived ignores the error, but not -t', () => {
    expect(reader(false).n.int('-20x', -253, 253, true)).toBe(-20);
    expect(reader(true).n.int('-20x', -253, 253, true)).toBeUndefined();
  });
  it('parses C integer prefixes in base 0', () => {
    expect(parseCInteger('0x10', 0)).toMatchObject({ value: 16, trailing: false });
    expect(parseCInteger('010', 0)).toMatchObject({ value: 8, trailing: false });
    expect(parseCInteger('12ab', 10)).toMatchObject({ value: 12, trailing: true });
  });
});

describe('decimal timers', () => {
  it('reads seconds into microseconds', () => {
    const { n } = reader();
    expect(n.timer('1', 0, 0)).toBe(1_000_000);
    expect(n.timer('0.05', 0, 0)).toBe(50_000);
  });
  it('rounds and reports too many decimal places', () => {
    const { n, reports } = reader();
    expect(n.decimal('1.2345', 0, 100000, 3)).toBe(1235);
    expect(reports[0]).toEqual([ConfigErr.InvalidNumber, "number '1.2345' has too many decimal places"]);
  });
  it('prints ranges in decimal form', () => {
    const { n, reports } = reader();
    n.timer('0', 1, 4294967295);
    expect(reports[0]?.[1]).toBe("number '0' outside range [0.000001, 4294.967295]");
  });
  it('treats a unit suffix as garbage, as keepalived does', () => {
    const { n, reports } = reader();
    expect(n.timer('1s', 0, 0)).toBeUndefined();
    expect(reports[0]?.[1]).toBe("invalid number '1s'");
  });
});

describe('booleans', () => {
  it('knows keepalived words', () => {
    expect(['on', 'true', 'yes', 'off', 'false', 'no', 'maybe'].map(checkTrueFalse)).toEqual([true, true, true, false, false, false, undefined]);
  });
});

import fc from 'fast-check';
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
  it('reads long numbers exactly to the last digit a double holds, and knows one past unsigned long', () => {
    expect(parseCInteger('9007199254740993', 10)).toMatchObject({ value: 9007199254740992, overflow: false });
    expect(parseCInteger('18446744073709551615', 10)).toMatchObject({ overflow: false, trailing: false });
    expect(parseCInteger('18446744073709551616', 10)).toMatchObject({ overflow: true });
    expect(parseCInteger('-0x7fffffffffffffffff', 16)).toMatchObject({ value: -(2 ** 71), overflow: true });
  });
  it('agrees with strtoul read digit by digit as a BigInt, for any text', () => {
    const strtoul = (s: string, base: 0 | 10 | 16) => {
      let i = 0;
      while (/[ \t\n\v\f\r]/.test(s[i] ?? '')) i++;
      const neg = s[i] === '-';
      if (s[i] === '+' || s[i] === '-') i++;
      let b: number = base;
      if ((b === 0 || b === 16) && /^0[xX][0-9a-fA-F]/.test(s.slice(i))) [b, i] = [16, i + 2];
      else if (b === 0) b = s[i] === '0' ? 8 : 10;
      const start = i;
      let v = 0n;
      while (i < s.length && !Number.isNaN(parseInt(s[i]!, b))) v = v * BigInt(b) + BigInt(parseInt(s[i++]!, b));
      if (i === start) return { value: 0, trailing: s.length > 0, overflow: false, end: 0 };
      return { value: Number(neg ? -v : v), trailing: i < s.length, overflow: v > 18446744073709551615n, end: i };
    };
    const text = fc.stringMatching(/^[ \t+-]?[-+]?(0[xX])?[0-9a-fA-FxzZ ]{0,30}$/);
    fc.assert(fc.property(text, fc.constantFrom<0 | 10 | 16>(0, 10, 16), (s, base) => {
      expect(parseCInteger(s, base)).toEqual(strtoul(s, base));
    }), { numRuns: 2000 });
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

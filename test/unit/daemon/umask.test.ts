import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCommandLineUmask, applyConfiguredUmask, DEFAULT_UMASK, effectiveUmask, parseUmaskOption } from '../../../src/daemon/umask.js';

let saved: number;
beforeEach(() => (saved = process.umask(0o022)));
afterEach(() => void process.umask(saved));

/** The process umask, read by setting it (Node's getter is deprecated). */
function currentUmask(): number {
  const mask = process.umask(0o022);
  process.umask(mask);
  return mask;
}

describe('umask', () => {
  it("reads -u as keepalived's strtol(…, 0): octal, hex or decimal, 0 to 0777, nothing after", () => {
    expect(['0177', '0x7f', '127', '0', ' 022'].map(parseUmaskOption)).toEqual([0o177, 0o177, 0o177, 0, 0o022]);
    expect(['', '0778', '01000', '-1', '077x', 'IWOTH', '4294967296'].map(parseUmaskOption)).toEqual(Array(7).fill(undefined));
  });

  it("starts with keepalived's 0177 unless -u gives a mask", () => {
    expect(DEFAULT_UMASK).toBe(0o177);
    applyCommandLineUmask(undefined);
    expect(currentUmask()).toBe(0o177);
    applyCommandLineUmask(0o027);
    expect(currentUmask()).toBe(0o027);
  });

  it("takes the configuration's umask, keeps the one it has without it, and ignores it (saying so) after -u", () => {
    const logs: string[] = [];
    applyCommandLineUmask(undefined);
    applyConfiguredUmask(undefined, 0o077, (m) => logs.push(m));
    expect(currentUmask()).toBe(0o077);
    applyConfiguredUmask(undefined, undefined, (m) => logs.push(m));
    expect(currentUmask()).toBe(0o077);
    applyCommandLineUmask(0o027);
    applyConfiguredUmask(0o027, 0o002, (m) => logs.push(m));
    expect(currentUmask()).toBe(0o027);
    expect(logs).toEqual(['umask command line option specified, ignoring config option']);
  });
});

describe('the mask the dumps print (umask_val)', () => {
  it('is -u, else global_defs umask, else 0177', () => {
    expect(effectiveUmask(0o22, 0o77)).toBe(0o22);
    expect(effectiveUmask(undefined, 0o77)).toBe(0o77);
    expect(effectiveUmask(undefined, undefined)).toBe(0o177);
  });
});

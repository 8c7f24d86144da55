import { describe, expect, it } from 'vitest';
import { effectivePriority, evaluateTracking, fileStatus } from '../../../src/vrrp/fsm/priority.js';
import { EMPTY_TRACK_STATUS, type TrackedObject } from '../../../src/vrrp/fsm/track.js';

const obj = (kind: TrackedObject['kind'], name: string, weight: number, reverse = false): TrackedObject => ({ kind, name, weight, reverse });

describe('effective priority', () => {
  it('is base + Σ weights, clamped to 1..254; 255 is never adjusted', () => {
    expect(effectivePriority(100, -20)).toBe(80);
    expect(effectivePriority(100, 200)).toBe(254);
    expect(effectivePriority(100, -200)).toBe(1);
    expect(effectivePriority(255, -50)).toBe(255);
    expect(effectivePriority(254, 10)).toBe(254);
  });
});

describe('tracking verdict', () => {
  const status = {
    ...EMPTY_TRACK_STATUS,
    interfaces: { up: true, down: false },
    scripts: { ok: true, ko: false },
    files: { f: 3 },
    processes: { p: true },
  };

  it('positive weights count while up/OK, negative ones while down/KO; reverse flips the sign', () => {
    const verdict = evaluateTracking(
      [
        obj('interface', 'up', 10),
        obj('interface', 'down', 10),
        obj('interface', 'down', -5),
        obj('script', 'ok', 7),
        obj('script', 'ko', -3),
        obj('script', 'ok', 4, true),
        obj('process', 'p', 2),
        obj('bfd', 'missing', -1),
      ],
      status,
      true,
    );
    expect(verdict.adjustment).toBe(10 - 5 + 7 - 3 - 4 + 2 - 1);
    expect(verdict.faults).toEqual([]);
  });

  it('weight 0 means FAULT when failed (or when up, with reverse); unreported scripts are awaited', () => {
    const verdict = evaluateTracking(
      [obj('interface', 'down', 0), obj('interface', 'up', 0, true), obj('script', 'pending', 0), obj('script', 'pending-w', 5)],
      status,
      false,
    );
    expect(verdict.faults).toEqual([
      { kind: 'interface', name: 'down' },
      { kind: 'interface', name: 'up' },
      { kind: 'no-address' },
    ]);
    expect(verdict.awaitingScripts).toEqual(['pending']);
    expect(verdict.adjustment).toBe(0);
  });

  it('track files: value × weight capped at 253, ≤ −254 FAULT; weight 0: non-zero is FAULT', () => {
    expect(fileStatus(obj('file', 'f', 10), 3)).toBe(30);
    expect(fileStatus(obj('file', 'f', 10, true), 3)).toBe(-30);
    expect(fileStatus(obj('file', 'f', 0), 3)).toBe(-254);
    expect(fileStatus(obj('file', 'f', 0), 0)).toBe(0);
    expect(fileStatus(obj('file', 'f', 0, true), 0)).toBe(-254);
    expect(evaluateTracking([obj('file', 'f', 100)], status, true).adjustment).toBe(253);
    expect(evaluateTracking([obj('file', 'f', -100)], status, true).faults).toEqual([{ kind: 'file', name: 'f', status: -300 }]);
  });
});

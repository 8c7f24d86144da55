/**
 * What a reliability case is (issue 13): a named run that returns its figures, each beside keepalived's where the
 * case applies to keepalived, with the bound the acceptance sets. `npm run soak` (soak/run.ts) runs them.
 */

export type SoakLayer = 'host' | 'netns' | 'vm';

export interface SoakOptions {
  /** `--long`: the full sizes (1,000 crash cycles, a 1-hour soak…); otherwise the short form CI runs. */
  readonly long: boolean;
  /** A directory of its own for configs, logs and pid files (run.ts removes it). */
  readonly workDir: string;
  /** Progress lines, on stderr: a long case says where it is. */
  readonly progress: (line: string) => void;
}

/** One measured value. `ok` is false when it breaks its bound: the run then fails. */
export interface Figure {
  readonly what: string;
  readonly ours: string;
  /** keepalived's value in the same run; undefined when the case does not apply to keepalived. */
  readonly keepalived?: string;
  /** The acceptance bound, as text ("0", "≤ 1 advert + 100 ms"); undefined for a figure reported only. */
  readonly bound?: string;
  readonly ok: boolean;
}

export interface CaseResult {
  readonly figures: readonly Figure[];
  /** How it was measured, and what keepalived did where it fails a case we pass. */
  readonly notes: readonly string[];
}

export interface SoakCase {
  /** The numbering and a few words: "1 crash cycles". `--case TEXT` selects by it. */
  readonly name: string;
  readonly layer: SoakLayer;
  /** Why it cannot run on this machine (not root, no qemu…), or undefined. In CI an unavailable case fails the run. */
  unavailable(): string | undefined;
  run(options: SoakOptions): Promise<CaseResult>;
}

/** A figure with a bound checked by `within`. */
export function bounded(what: string, ours: number, bound: string, within: (x: number) => boolean, keepalived?: number, digits = 0): Figure {
  return { what, ours: ours.toFixed(digits), keepalived: keepalived?.toFixed(digits), bound, ok: within(ours) };
}

/** A figure reported without a bound. */
export function reported(what: string, ours: number | string, keepalived?: number | string, digits = 0): Figure {
  const text = (x: number | string | undefined): string | undefined => (typeof x === 'number' ? x.toFixed(digits) : x);
  return { what, ours: text(ours)!, keepalived: text(keepalived), ok: true };
}

/**
 * One real server's health as keepalived's checker process keeps it
 * (ipwrapper.c update_svr_checker_state, check_misc.c, track_file.c
 * process_update_checker_track_file_status): alive while none of its
 * checkers is failed (num_failed_checkers), a FILE_CHECK in fault counting
 * as a failed checker; its effective weight is the configured one plus what
 * each dynamic MISC_CHECK and each FILE_CHECK adds (cur_weight).
 */
import type { FileCheck, RealServer } from '../config/check/model.js';
import type { CheckerVerdict } from './scheduler.js';

export type HealthChange =
  | { readonly type: 'alive'; readonly alive: boolean }
  /**
   * The new effective weight (IPVS takes it clamped). `quiet`: keepalived
   * changes it without update_svr_wgt — no log, no IPVS edit — because the
   * server goes down, or comes up, with it in the same step.
   */
  | { readonly type: 'weight'; readonly weight: number; readonly quiet: boolean }
  /** Nothing changed, but keepalived runs the real server's notifies again (an alpha checker's first failure). */
  | { readonly type: 'notify' };

const INT32_MAX = 2147483647;
/** IPVS_WEIGHT_FAULT: a track file status this low puts its FILE_CHECK in fault. */
const WEIGHT_FAULT = -2147483648;

/** What a FILE_CHECK makes of the file's value: weight 0 means a non-zero value (zero with reverse) is a fault. */
export function fileCheckStatus(check: FileCheck, value: number): number {
  if (check.weight === 0) return (value !== 0) !== check.reverse ? WEIGHT_FAULT : 0;
  const status = value * check.weight * (check.reverse ? -1 : 1);
  return Math.min(Math.max(status, WEIGHT_FAULT), INT32_MAX) || 0;
}

export class RealServerHealth {
  private readonly checkerUp: boolean[];
  /** Each checker's cur_weight (non-zero only for dynamic MISC_CHECKs). */
  private readonly checkerWeight: number[];
  private readonly fileValues: number[];
  private failed: number;
  private effectiveWeight: number;

  /**
   * `fileValues`: each FILE_CHECK's track file value at start, in `rs.fileChecks` order.
   * `checkers`: where each checker starts, in `rs.checkers` order, when not
   * as on a fresh start (a reload carries them over): up or not, and a
   * dynamic MISC_CHECK's last asked weight.
   */
  constructor(
    private readonly rs: RealServer,
    fileValues: readonly number[],
    checkers?: readonly ({ readonly up: boolean; readonly weight?: number } | undefined)[],
  ) {
    this.checkerUp = rs.checkers.map((c, i) => checkers?.[i]?.up ?? !c.alpha);
    // set_effective_weights: the configured weight plus each checker's cur_weight
    this.checkerWeight = rs.checkers.map((_, i) => {
      const asked = checkers?.[i]?.weight;
      return asked === undefined || !this.checkerUp[i] ? 0 : asked - rs.weight;
    });
    this.fileValues = rs.fileChecks.map((_, i) => fileValues[i] ?? 0);
    const statuses = rs.fileChecks.map((f, i) => fileCheckStatus(f, this.fileValues[i]!));
    this.failed = this.checkerUp.filter((up) => !up).length + statuses.filter((s) => s === WEIGHT_FAULT).length;
    const checkerWeights = this.checkerWeight.reduce((sum, w) => sum + w, 0);
    this.effectiveWeight = statuses.reduce((sum, s) => (s === WEIGHT_FAULT ? sum : sum + s), rs.weight + checkerWeights);
  }

  get alive(): boolean {
    return this.failed === 0;
  }

  get weight(): number {
    return this.effectiveWeight;
  }

  /** A verdict from the scheduler of checker `index` (in `rs.checkers` order). */
  checker(index: number, verdict: CheckerVerdict): HealthChange[] {
    const wasUp = this.checkerUp[index];
    if (wasUp === undefined) return [];
    const changes: HealthChange[] = [];
    if (verdict.up) {
      // misc_dynamic: the weight asked for replaces the configured one; exit 0 keeps it
      const cur = verdict.weight === undefined ? 0 : verdict.weight - this.rs.weight;
      if (cur !== this.checkerWeight[index]) changes.push(this.addWeight(cur - this.checkerWeight[index]!, false));
      this.checkerWeight[index] = cur;
      if (!wasUp) changes.push(...this.setCheckerUp(index, true));
    } else if (wasUp) {
      if (this.checkerWeight[index] !== 0) changes.push(this.addWeight(-this.checkerWeight[index]!, true));
      this.checkerWeight[index] = 0;
      changes.push(...this.setCheckerUp(index, false));
    }
    if (verdict.first && wasUp === verdict.up && (this.rs.checkers[index]!.alpha || !verdict.up)) changes.push({ type: 'notify' });
    return changes;
  }

  /** FILE_CHECK `index` (in `rs.fileChecks` order) read a new value from its track file. */
  file(index: number, value: number): HealthChange[] {
    const check = this.rs.fileChecks[index];
    const old = this.fileValues[index];
    if (check === undefined || old === undefined) return [];
    this.fileValues[index] = value;
    const before = fileCheckStatus(check, old);
    const after = fileCheckStatus(check, value);
    if (before === after) return [];
    if (after === WEIGHT_FAULT) return [...this.countFailure(1), ...(before === 0 ? [] : [this.addWeight(-before, true)])];
    if (before === WEIGHT_FAULT) return [...(after === 0 ? [] : [this.addWeight(after, true)]), ...this.countFailure(-1)];
    return [this.addWeight(after - before, false)];
  }

  private addWeight(delta: number, quiet: boolean): HealthChange {
    this.effectiveWeight += delta;
    return { type: 'weight', weight: this.effectiveWeight, quiet };
  }

  private setCheckerUp(index: number, up: boolean): HealthChange[] {
    this.checkerUp[index] = up;
    return this.countFailure(up ? -1 : 1);
  }

  /** The server changes only when the first checker fails or the last one recovers. */
  private countFailure(delta: 1 | -1): HealthChange[] {
    const wasAlive = this.alive;
    this.failed += delta;
    return wasAlive === this.alive ? [] : [{ type: 'alive', alive: this.alive }];
  }
}

/**
 * HTTP_GET's regex over a response as it arrives, the way check_regex runs
 * on each read: no match attempt sees more than keepalived's read buffer
 * (4095 bytes), so each read costs a bounded amount of (linear-time) work
 * and the checker's event loop keeps turning between reads.
 *
 * Each attempt carries the last REGEX_CARRY bytes of the previous one, the
 * first of them as context only, so a match shorter than REGEX_CARRY bytes is
 * found wherever it lies (keepalived keeps a partial match for up to its
 * whole buffer, and drops it beyond). A match that touches the end of an
 * attempt before the response has ended waits for the next attempt, as its
 * `$` or `\b` may depend on what follows. Offsets count from the first byte
 * of the response, headers included, as keepalived's do. Only the first
 * SUBJECT_MAX bytes are looked at; keepalived reads on to the end.
 */
import type { CompiledRegex } from '../../config/check/http-regex.js';

/** keepalived's MAX_BUFFER_LENGTH less the NUL it appends. */
const REGEX_WINDOW = 4095;
const STEP = 1024;
export const REGEX_CARRY = REGEX_WINDOW - STEP;
export const REGEX_SUBJECT_MAX = 1 << 20;

export interface RegexPlacement {
  readonly minOffset: number;
  /** One beyond the last offset a match may start at; 0 = no limit. */
  readonly maxOffset: number;
}

type Runnable = Extract<CompiledRegex, { ok: true }>;

export class RegexScan {
  private carry = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Response offset of the carry's first byte. */
  private carryStart = 0;
  private seen = 0;
  /** Where a match may no longer start (max_offset, or firstline's first newline). */
  private startLimit: number;
  private verdict: boolean | undefined;

  constructor(
    private readonly regex: Runnable,
    private readonly placement: RegexPlacement,
  ) {
    this.startLimit = placement.maxOffset || Infinity;
  }

  /** The next bytes of the response. */
  feed(chunk: Buffer): void {
    if (this.verdict !== undefined || this.seen >= REGEX_SUBJECT_MAX) return;
    const take = chunk.subarray(0, REGEX_SUBJECT_MAX - this.seen);
    this.seen += take.length;
    this.pending.push(take);
    this.pendingLength += take.length;
    if (this.pendingLength < STEP) return;
    let fresh = Buffer.concat(this.pending);
    while (fresh.length >= STEP && this.verdict === undefined) {
      this.attempt(fresh.subarray(0, STEP), false);
      fresh = fresh.subarray(STEP);
    }
    this.pending = [fresh];
    this.pendingLength = fresh.length;
  }

  /** At the end of the response: whether the regex matched. */
  finish(): boolean {
    if (this.verdict === undefined) this.attempt(Buffer.concat(this.pending), true);
    return this.verdict ?? false;
  }

  private attempt(fresh: Buffer, final: boolean): void {
    const window = Buffer.concat([this.carry, fresh]);
    const start = this.carryStart;
    if (this.regex.firstline && this.startLimit === Infinity) {
      const nl = window.indexOf(0x0a, Math.max(0, this.placement.minOffset - start));
      if (nl >= 0) this.startLimit = Math.min(this.startLimit, start + nl + 1);
    }
    // Past the first window, its first byte is context only: `^` and `\b` see what came before.
    const from = Math.max(start === 0 ? 0 : 1, this.placement.minOffset - start);
    if (start + from >= this.startLimit) {
      this.verdict = false;
      return;
    }
    if (from <= window.length) {
      const m = this.regex.re.matcher(this.regex.utf ? window : window.toString('latin1'));
      if (m.find(from) && (final || m.end() < window.length) && start + m.start() < this.startLimit) {
        this.verdict = true;
        return;
      }
    }
    this.carry = window.subarray(Math.max(0, window.length - REGEX_CARRY));
    this.carryStart = start + window.length - this.carry.length;
    if (final) this.verdict = false;
  }
}

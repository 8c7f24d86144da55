/**
 * Number, timer and boolean readers with keepalived's texts and quirks:
 * strtol/strtoul prefix parsing, decimal timers with a fixed number of
 * places, and `ignore_error` values that the daemon still uses while `-t`
 * rejects them.
 */
import { ConfigErr } from './diagnostics.js';
import { isWhiteCode } from './words.js';

export interface NumberReporter {
  report(cls: ConfigErr, message: string, hint?: string): void;
}

/** Microseconds per second: keepalived keeps every timer in µs. */
export const TIMER_HZ = 1_000_000;
export const TIMER_HZ_DIGITS = 6;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;
const ULONG_MAX = 18446744073709551615n;

interface Parsed {
  value: number;
  /** Characters left after the number (strtol's *endptr != 0). */
  trailing: boolean;
  overflow: boolean;
  /** Where the number ended (strtol's endptr); `from` when there was none. */
  end: number;
}

/** strtol/strtoul in base 10, 16 or 0 (auto), from offset `from`. */
export function parseCInteger(s: string, base: 0 | 10 | 16, from = 0): Parsed {
  let i = from;
  while (i < s.length && isWhiteCode(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let b: number = base;
  if ((b === 0 || b === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    b = 16;
    i += 2;
  } else if (b === 0) {
    b = s[i] === '0' ? 8 : 10;
  }
  const start = i;
  // exact in a double until it could pass 2^53; a longer number goes on as a BigInt
  let small = 0;
  let v: bigint | undefined;
  const safeBelow = (Number.MAX_SAFE_INTEGER - 35) / b;
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i));
    if (d >= b) break;
    if (v === undefined && small > safeBelow) v = BigInt(small);
    if (v === undefined) small = small * b + d;
    else v = v * BigInt(b) + BigInt(d);
  }
  if (i === start) return { value: 0, trailing: s.length > from, overflow: false, end: from };
  const overflow = v !== undefined && v > ULONG_MAX;
  const value = v === undefined ? (neg ? 0 - small : small) : Number(neg ? -v : v);
  return { value, trailing: i < s.length, overflow, end: i };
}

/** A character's value as a digit of any base up to 36 (36 and over: none). */
function digitValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (code >= 97 && code <= 122) return code - 87;
  return 36;
}

export class NumberReader {
  constructor(
    private readonly r: NumberReporter,
    /** `-t` rejects values that the daemon would still use. */
    private readonly testMode: boolean,
  ) {}

  private warn(ignoreError: boolean): string {
    return ignoreError && !this.testMode ? 'WARNING - ' : '';
  }

  private accept(ignoreError: boolean, value: number, min: number, max: number): number | undefined {
    return ignoreError && !this.testMode && value >= min && value <= max ? value : undefined;
  }

  int(str: string, min: number, max: number, ignoreError = false, base: 0 | 10 = 10): number | undefined {
    const p = parseCInteger(str, base);
    const w = this.warn(ignoreError);
    if (p.trailing) this.r.report(ConfigErr.InvalidNumber, `${w}invalid number '${str}'`);
    else if (p.overflow || p.value < INT_MIN || p.value > INT_MAX) this.r.report(ConfigErr.InvalidNumber, `${w}number '${str}' outside integer range`);
    else if (p.value < min || p.value > max) this.r.report(ConfigErr.InvalidNumber, `number '${str}' outside range [${min}, ${max}]`);
    else return p.value;
    return this.accept(ignoreError, p.value, min, max);
  }

  unsigned(str: string, min: number, max: number, ignoreError = false, base: 0 | 10 | 16 = 10): number | undefined {
    const trimmed = str.replace(/^[ \t\n\r\f\v]+/, '');
    const p = parseCInteger(trimmed, base);
    const w = this.warn(ignoreError);
    if (trimmed[0] === '-') this.r.report(ConfigErr.InvalidNumber, `${w}negative number '${str}'`);
    else if (p.trailing) this.r.report(ConfigErr.InvalidNumber, `${w}invalid number '${str}'`);
    else if (p.overflow || p.value > UINT_MAX) this.r.report(ConfigErr.InvalidNumber, `${w}number '${str}' outside unsigned integer range`);
    else if (p.value < min || p.value > max) this.r.report(ConfigErr.InvalidNumber, `${w}number '${str}' outside range [${min}, ${max}]`);
    else return p.value;
    return this.accept(ignoreError, p.value, min, max);
  }

  /**
   * A decimal with up to `shift` places, returned × 10^shift (e.g. shift 6 → µs).
   * min/max are in the returned units.
   */
  decimal(str: string, min: number, max: number, shift: number, ignoreError = false): number | undefined {
    const w = this.warn(ignoreError);
    if (str[0] === '-') {
      this.r.report(ConfigErr.InvalidNumber, `${w}negative number '${str}'`);
      return undefined;
    }
    const dp = str.indexOf('.');
    let places = dp >= 0 ? str.length - dp - 1 : 0;
    let roundUp = false;
    if (places > shift) {
      this.r.report(ConfigErr.InvalidNumber, `${w}number '${str}' has too many decimal places`);
      roundUp = (str[dp + shift + 1] ?? '0') >= '5';
      places = shift;
    }
    let digits = dp >= 0 ? str.slice(0, dp) + str.slice(dp + 1, dp + 1 + places) : str;
    digits += '0'.repeat(shift - places);
    const p = parseCInteger(digits, 10);
    let value = p.value;
    if (roundUp) value++;
    if (p.trailing) {
      this.r.report(ConfigErr.InvalidNumber, `${w}invalid number '${str}'`);
    } else if (p.overflow) {
      this.r.report(ConfigErr.InvalidNumber, `${w}number '${str}' outside unsigned decimal range`);
      return undefined;
    } else if (value < min || value > max) {
      this.r.report(ConfigErr.InvalidNumber, `${w}number '${str}' outside range [${fixed(min, shift)}, ${fixed(max, shift)}]`);
    } else {
      return value;
    }
    return ignoreError && value >= min && value <= max ? value : undefined;
  }

  /** A timer in seconds with up to 6 places → µs. max 0 means keepalived's TIMER_MAXIMUM. */
  timer(str: string, min: number, max: number, ignoreError = false): number | undefined {
    return this.decimal(str, min, max || Number.MAX_SAFE_INTEGER, TIMER_HZ_DIGITS, ignoreError);
  }
}

/** keepalived prints `%lu.%*.*lu`: with no decimal places that leaves a bare trailing '.'. */
function fixed(v: number, shift: number): string {
  if (shift === 0) return `${v}.`;
  const scale = 10 ** shift;
  const whole = Math.floor(v / scale);
  return `${whole}.${String(v - whole * scale).padStart(shift, '0')}`;
}

/** on/true/yes → true, off/false/no → false, anything else → undefined (keepalived's -1). */
export function checkTrueFalse(str: string): boolean | undefined {
  if (str === 'true' || str === 'on' || str === 'yes') return true;
  if (str === 'false' || str === 'off' || str === 'no') return false;
  return undefined;
}

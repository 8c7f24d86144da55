/** printf-style formatting keepalived's dump files share (keepalived's conf_write formats). */

/** C's `%g`: 6 significant digits, trailing zeros dropped, exponent form outside 1e-4 ≤ |x| < 1e6. */
export function formatG(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const [mantissa, exponentText] = x.toExponential(5).split('e') as [string, string];
  const exponent = Number(exponentText);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exponent < -4 || exponent >= 6) {
    return `${strip(mantissa)}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return strip(x.toFixed(5 - exponent));
}

export const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
export const trueFalse = (b: boolean): string => (b ? 'true' : 'false');
export const enabled = (b: boolean): string => (b ? 'enabled' : 'disabled');
export const onOff = (b: boolean | undefined): string => (b === undefined ? 'unset' : b ? 'on' : 'off');
/** µs to whole seconds, as keepalived's `x / TIMER_HZ` on unsigned values. */
export const secs = (us: number): number => Math.floor(us / 1e6);

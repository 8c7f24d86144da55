/** glibc's strerror(3) text for an errno: libuv's, capitalised as glibc writes it. */
import { getSystemErrorMap } from 'node:util';

export function strerror(errno: number): string {
  const text = getSystemErrorMap().get(-errno)?.[1] ?? `errno ${errno}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

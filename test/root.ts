/**
 * Tests that need root (SO_MARK and SO_BINDTODEVICE need CAP_NET_ADMIN, running a script as another user needs
 * setuid, locking a whole V8 process needs CAP_IPC_LOCK): `rootOnly` runs them as root and skips them otherwise,
 * saying so in one line per file, so that a user's clone passes its unit layer.
 */
import { it } from 'vitest';

const isRoot = process.getuid?.() === 0;
let said = false;

export function rootOnly(what: string): typeof it {
  if (!isRoot && !said) {
    said = true;
    console.log(`${what}: skipped, not root`);
  }
  return it.skipIf(!isRoot) as typeof it;
}

/**
 * keepalived's file creation mask: 0177 (files 0600) from the start, `-u`
 * (set as the command line is read) or else global_defs `umask` (set as the
 * parent reads the configuration, before its pid file and the children, and
 * at each reload). The children and their scripts inherit it; as keepalived's,
 * a child reads global_defs' umask again only at a reload.
 */
import { parseCInteger } from '../config/numbers.js';

export const DEFAULT_UMASK = 0o177;

/** `-u MASK` as keepalived reads it (strtol base 0: 0177, 0x7f, 127); undefined when it is no mask. */
export function parseUmaskOption(text: string): number | undefined {
  const parsed = parseCInteger(text, 0);
  if (text === '' || parsed.trailing || parsed.value < 0 || parsed.value > 0o777) return undefined;
  return parsed.value;
}

/** The mask in force: what keepalived's dumps print as umask_val. */
export function effectiveUmask(commandLine: number | undefined, configured: number | undefined): number {
  return commandLine ?? configured ?? DEFAULT_UMASK;
}

/** At start: -u's mask or keepalived's default. */
export function applyCommandLineUmask(commandLine: number | undefined): void {
  process.umask(commandLine ?? DEFAULT_UMASK);
}

/** Once a configuration is read (at start and each reload): its `umask`, unless -u gave one. */
export function applyConfiguredUmask(commandLine: number | undefined, configured: number | undefined, log: (message: string) => void): void {
  if (configured === undefined) return;
  if (commandLine !== undefined) {
    log('umask command line option specified, ignoring config option');
    return;
  }
  process.umask(configured);
}

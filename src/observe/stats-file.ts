/**
 * SIGUSR2's keepalived.stats: every VRRP instance's counters in keepalived's
 * layout (exporters parse this file), written to $TMPDIR or /tmp.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileSafely } from '../base/safe-file.js';
import { sigStatsClear, watchSignal } from '../base/native.js';
import type { InstanceCounter } from '../vrrp/runner/runner.js';

export interface InstanceStats {
  name: string;
  stats: Readonly<Record<InstanceCounter, number>>;
}

export function statsText(instances: readonly InstanceStats[]): string {
  return instances
    .map(({ name, stats: s }) =>
      [
        `VRRP Instance: ${name}`,
        '  Advertisements:',
        `    Received: ${s.advert_rcvd}`,
        `    Sent: ${s.advert_sent}`,
        `  Became master: ${s.become_master}`,
        `  Released master: ${s.release_master}`,
        '  Packet Errors:',
        `    Length: ${s.packet_len_err}`,
        `    TTL: ${s.ip_ttl_err}`,
        `    Invalid Type: ${s.invalid_type_rcvd}`,
        `    Advertisement Interval: ${s.advert_interval_err}`,
        `    Address List: ${s.addr_list_err}`,
        '  Authentication Errors:',
        `    Invalid Type: ${s.invalid_authtype}`,
        `    Type Mismatch: ${s.authtype_mismatch}`,
        `    Failure: ${s.auth_failure}`,
        '  Priority Zero:',
        `    Received: ${s.pri_zero_rcvd}`,
        `    Sent: ${s.pri_zero_sent}`,
        '',
      ].join('\n'),
    )
    .join('');
}

/** The dumps show auth_pass and the like: for root's eyes only. */
export const DUMP_FILE_MODE = 0o600;

/**
 * keepalived's SIGSTATS_CLEAR (SIGRTMAX-1), watched through the addon as SIGJSON is (json-file.ts): Node
 * cannot, and the signal's default action ends the process.
 */
export function watchStatsClear(onSignal: () => void): { signum: number; stop: () => void } {
  const signum = sigStatsClear();
  return { signum, stop: watchSignal(signum, onSignal) };
}

/** keepalived's make_tmp_filename: $TMPDIR, else /tmp. */
export function dumpFilePath(name: string): string {
  return path.join(process.env.TMPDIR || (os.platform() === 'linux' ? '/tmp' : os.tmpdir()), name);
}

/** A new 0600 file, never written through a link (safe-file.ts); `warn` hears of a link replaced. */
export function writeStatsFile(instances: readonly InstanceStats[], warn: (message: string) => void): string {
  const file = dumpFilePath('keepalived.stats');
  writeFileSafely(file, statsText(instances), { mode: DUMP_FILE_MODE, warn });
  return file;
}

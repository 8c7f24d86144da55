/**
 * Sends sync-daemon commands (sync-daemon.ts) through the IpvsPort one after
 * another, in the order given across calls, and logs a failure not ignored as
 * keepalived's ipvs_talk does (check/ipvswrapper.c, libipvs.c ipvs_strerror).
 */
import { constants } from 'node:os';
import { strerror } from '../base/strerror.js';
import type { IpvsPort, PortFailure } from '../ipvs/port.js';
import { commandRequest, type SyncdCommand } from './sync-daemon.js';

// IP_VS_SO_SET_STARTDAEMON / _STOPDAEMON (linux/ip_vs.h: IP_VS_BASE_CTL + 11, + 12), as keepalived names them
const SOCKOPT = { start: ['IP_VS_SO_SET_STARTDAEMON', 1163], stop: ['IP_VS_SO_SET_STOPDAEMON', 1164] } as const;

/** ipvs_strerror's texts for the daemon commands; strerror(3)'s for the rest. */
const TEXTS: Readonly<Record<string, string>> = {
  EPERM: 'Permission denied (you must be root)',
  EINVAL: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  ENOPROTOOPT: 'Protocol not available',
  ENOMEM: 'Memory allocation problem',
  EOPNOTSUPP: 'Operation not supported with IPv6',
  EAFNOSUPPORT: 'Operation not supported with specified address family',
  EMSGSIZE: 'Module is wrong version',
  ENODEV: 'No such device',
};

/** keepalived's log line for a refused command: `IPVS cmd IP_VS_SO_SET_STOPDAEMON(1164) error: No daemon is running(3)`. */
export function syncdFailureLine(command: SyncdCommand, failure: PortFailure): string {
  const [name, number] = SOCKOPT[command.cmd];
  const errno = failure.errno;
  if (errno === undefined) return `IPVS cmd ${name}(${number}) error: ${failure.message}`;
  const text =
    command.cmd === 'start' && errno === 'EEXIST'
      ? 'Daemon has already run'
      : command.cmd === 'stop' && errno === 'ESRCH'
        ? 'No daemon is running'
        : errno === 'ESRCH'
          ? 'No such service'
          : (TEXTS[errno] ?? failure.message);
  const n = constants.errno[errno as keyof typeof constants.errno];
  return `IPVS cmd ${name}(${number}) error: ${text}(${n ?? errno})`;
}

/** keepalived's line when IPVS cannot be opened (ipvswrapper.c ipvs_start; no ip_vs module: ENOENT's text). */
export function ipvsInitFailureLine(failure: PortFailure): string {
  const n = failure.errno === undefined ? undefined : constants.errno[failure.errno as keyof typeof constants.errno];
  const text = failure.errno === undefined ? failure.message : (TEXTS[failure.errno] ?? (n === undefined ? failure.message : strerror(n)));
  return `IPVS: Can't initialize ipvs: ${text}`;
}

export class SyncDaemonDriver {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly port: IpvsPort,
    private readonly log: (message: string) => void,
  ) {}

  /** Resolves once these commands, and every one given before them, have been answered. */
  run(commands: readonly SyncdCommand[]): Promise<void> {
    if (commands.length === 0) return this.queue;
    this.queue = this.queue.then(() => this.send(commands));
    return this.queue;
  }

  /** Closes the port once what was asked has been answered. */
  async close(): Promise<void> {
    await this.queue;
    this.port.close();
  }

  private async send(commands: readonly SyncdCommand[]): Promise<void> {
    for (const command of commands) {
      const request = commandRequest(command);
      const failure = request.cmd === 'start' ? await this.port.startDaemon(request.daemon) : await this.port.stopDaemon(request.daemon);
      if (failure && !command.ignoreError) this.log(syncdFailureLine(command, failure));
    }
  }
}

/**
 * The rtnetlink listening socket of native/src/rtnl_monitor.c: the kernel's notifications of the groups
 * joined, as datagrams, and its overruns (ENOBUFS: notifications were lost) as events of their own. The
 * netlink package's socket cannot be used to listen: an overrun ends the process from its native callback.
 * An overrun makes libuv's poll fail (the socket's error is set) and stop; reading the overrun out clears
 * the error, and the watch starts again.
 */
import { loadAddon } from './native.js';

interface RtnlAddon {
  rtnlMonitorOpen(groups: readonly number[]): number;
  rtnlMonitorJoin(fd: number, group: number, join: boolean): void;
  rtnlMonitorRead(fd: number, max: number): (Buffer | null)[];
  pollStart(fd: number, onReadable: (error?: Error) => void): object;
  pollStop(handle: object): void;
  close(fd: number): void;
}

/** rtnetlink multicast groups (linux/rtnetlink.h, enum rtnetlink_groups). */
export const RTNLGRP = { LINK: 1, IPV4_IFADDR: 5, IPV4_ROUTE: 7, IPV4_RULE: 8, IPV6_IFADDR: 9, IPV6_ROUTE: 11, IPV6_RULE: 19 } as const;

/** Datagrams read per turn of the event loop: the rest wait for the next (the poll is level-triggered). */
const BATCH = 64;

export interface RtnlMonitorHandlers {
  /** One datagram of netlink messages, as the kernel sent it. */
  readonly datagram: (bytes: Buffer) => void;
  readonly overrun: () => void;
  /** The socket cannot be read: nothing more will be heard. */
  readonly error: (error: Error) => void;
}

export interface RtnlMonitor {
  /** Joins (or leaves) one more group. */
  join(group: number, join: boolean): void;
  close(): void;
}

/** Joins `groups` and watches them; a watch keeps the process running until closed, as a server does. */
export function openRtnlMonitor(groups: readonly number[], on: RtnlMonitorHandlers): RtnlMonitor {
  const native = loadAddon<RtnlAddon>();
  let fd = native.rtnlMonitorOpen(groups);
  let poll: object | undefined;

  /** Reads what is pending; false when the socket failed. */
  function drain(): { ok: boolean; overrun: boolean } {
    let items: (Buffer | null)[];
    try {
      items = native.rtnlMonitorRead(fd, BATCH);
    } catch (e) {
      on.error(e as Error);
      return { ok: false, overrun: false };
    }
    let overrun = false;
    for (const item of items) {
      if (item === null) {
        overrun = true;
        on.overrun();
      } else on.datagram(item);
    }
    return { ok: true, overrun };
  }

  function watch(): void {
    poll = native.pollStart(fd, (error) => {
      if (!error) return void drain();
      // libuv stopped the watch: an overrun read out clears the error and the watch starts again
      const { ok, overrun } = drain();
      if (poll) native.pollStop(poll);
      poll = undefined;
      if (ok && overrun && fd >= 0) watch();
      else if (ok) on.error(new Error(`rtnetlink monitor: ${error.message}`));
    });
  }

  watch();
  return {
    join: (group, join) => native.rtnlMonitorJoin(fd, group, join),
    close() {
      if (poll) native.pollStop(poll);
      poll = undefined;
      if (fd >= 0) native.close(fd);
      fd = -1;
    },
  };
}

/**
 * The rtnetlink listening socket of native/src/rtnl_monitor.c: the kernel's notifications of the groups
 * joined, as datagrams, and its overruns (ENOBUFS: notifications were lost) as events of their own. The
 * netlink package's socket cannot be used to listen: an overrun ends the process from its native callback.
 * An overrun sets the socket's error: the addon's poll reads it out and goes on watching (pollStart in
 * native/src/keepalived_native.c).
 */
import { loadAddon } from './native.js';

/**
 * The receive buffer asked for: a thousand instances adding their VIPs send a thousand notifications at once,
 * more than the default 208 KiB holds (root may go past net.core.rmem_max).
 */
export const LISTEN_RCVBUF_BYTES = 4 * 1024 * 1024;

interface RtnlAddon {
  rtnlMonitorOpen(groups: readonly number[], rcvbuf: number): number;
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
/** `receiveBuffer`: SO_RCVBUF in bytes (LISTEN_RCVBUF_BYTES unless given: a test makes it overrun with less). */
export function openRtnlMonitor(groups: readonly number[], on: RtnlMonitorHandlers, receiveBuffer = LISTEN_RCVBUF_BYTES): RtnlMonitor {
  const native = loadAddon<RtnlAddon>();
  let fd = native.rtnlMonitorOpen(groups, receiveBuffer);
  let poll: object | undefined;

  /** Reads what is pending; an overrun recvmsg meets (before poll saw it) is one too. */
  function drain(): void {
    let items: (Buffer | null)[];
    try {
      items = native.rtnlMonitorRead(fd, BATCH);
    } catch (e) {
      on.error(e as Error);
      return;
    }
    for (const item of items) {
      if (item === null) on.overrun();
      else on.datagram(item);
    }
  }

  poll = native.pollStart(fd, (error) => {
    // the addon reads a socket's pending error out and keeps watching: an overrun seen by poll comes as ENOBUFS
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOBUFS') return on.overrun();
    if (error) return on.error(new Error(`rtnetlink monitor: ${error.message}`));
    drain();
  });
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

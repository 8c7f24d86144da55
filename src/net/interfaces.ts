/**
 * The real InterfacePort: one dump of links and addresses, then kept current
 * from the RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR
 * notifications. The listening socket joins its groups before the dump and
 * what it hears meanwhile is applied after it, so no change falls between
 * the two. When the listening socket overruns (ENOBUFS: notifications were
 * lost) the table is dumped again the same way and replaced, where keepalived
 * 2.2.7 only logs the overrun. The dump runs on a socket of its own: the
 * package cuts a dump's reply short when a notification arrives in the middle of it.
 * The listening socket is the addon's (src/base/rtnl-monitor.ts): the package's ends
 * the process at an overrun.
 */
import { getSystemErrorName } from 'node:util';
import { AttrStream, FlagsGet, MessageType, createRtNetlink, parseError, parseMessages, rt, type NetlinkMessage, type RtNetlinkSocket } from 'netlink';
import { openRtnlMonitor, RTNLGRP, type RtnlMonitor } from '../base/rtnl-monitor.js';
import type { InterfacePort } from '../vrrp/ports.js';
import { changeOf, InterfaceTable, type Change } from './interface-table.js';

/** The kernel answers at once; silence this long means it never will. */
const DUMP_TIMEOUT_MS = 5_000;
/** Dumps tried in a row after an overrun before giving up until the next one. */
const REDUMP_ATTEMPTS = 3;

/** What the table needs of rtnetlink; the real one below, a fake in lab/fakes/rtnetlink.ts. */
export interface RtnlFeed {
  /** Joins the link and address groups: each batch of notifications, each error of the listening socket. */
  listen(onMessages: (msgs: readonly NetlinkMessage[]) => void, onError: (error: NodeJS.ErrnoException) => void): void;
  /** Every link, then every address; rejects when the kernel refuses or never answers. */
  dump(): Promise<readonly NetlinkMessage[]>;
  close(): void;
}

/** `onError` hears what the table cannot act on: socket errors, overruns, entries the package cannot decode. */
export type InterfaceErrors = (error: Error) => void;

const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The changes a dump says, in order; an entry the package cannot decode is reported and skipped. */
function dumpedChanges(msgs: readonly NetlinkMessage[], onError: InterfaceErrors): Change[] {
  const changes: Change[] = [];
  for (const msg of msgs) {
    try {
      const change = changeOf(msg);
      if (change) changes.push(change);
    } catch (e) {
      onError(new Error(`rtnetlink dump: a message of type ${msg.type} not decoded: ${text(e)}`));
    }
  }
  return changes;
}

/** Applies what `msg` says; one the package cannot decode is skipped, as nothing in it can be trusted. */
function hear(table: InterfaceTable, msg: NetlinkMessage): void {
  let change: Change | undefined;
  try {
    change = changeOf(msg);
  } catch {
    return;
  }
  if (change) table.apply(change);
}

/**
 * The table over `feed`: dumped once before this resolves, then followed. While a dump runs (at start, after
 * an overrun) notifications wait and are applied after it; an overrun during a re-dump dumps once more.
 */
export async function followInterfaces(feed: RtnlFeed, onError: InterfaceErrors = () => undefined): Promise<InterfacePort> {
  const table = new InterfaceTable(() => feed.close());
  let waiting: NetlinkMessage[] | undefined = [];
  let overrunAgain = false;
  let closed = false;

  async function redump(): Promise<void> {
    if (waiting) {
      overrunAgain = true;
      return;
    }
    waiting = [];
    let failures = 0;
    // again while an overrun came during the dump; a failed dump is tried again, up to REDUMP_ATTEMPTS in a row
    while (!closed) {
      overrunAgain = false;
      try {
        table.resync(dumpedChanges(await feed.dump(), onError));
        failures = 0;
        if (!overrunAgain) break;
      } catch (e) {
        failures++;
        onError(new Error(`rtnetlink: reading the interfaces again after an overrun failed (attempt ${failures}): ${text(e)}`));
        if (failures >= REDUMP_ATTEMPTS) break;
      }
    }
    const heard = waiting;
    waiting = undefined;
    if (!closed) heard.forEach((m) => hear(table, m));
  }

  feed.listen(
    (msgs) => (waiting ? waiting.push(...msgs) : msgs.forEach((m) => hear(table, m))),
    (e) => {
      if (e.code !== 'ENOBUFS') return onError(new Error(`rtnetlink notifications: ${e.message}`));
      // keepalived's words for it (keepalived_netlink.c), then what it does not do: read everything again
      onError(new Error('Receive buffer overrun on monitor socket - (No buffer space available): interfaces read again'));
      void redump();
    },
  );
  try {
    for (const change of dumpedChanges(await feed.dump(), onError)) table.apply(change);
  } catch (e) {
    feed.close();
    throw e;
  }
  const heard = waiting;
  waiting = undefined;
  heard.forEach((m) => hear(table, m));
  if (overrunAgain) void redump();
  return {
    byName: (name) => table.byName(name),
    byIndex: (index) => table.byIndex(index),
    all: () => table.all(),
    onChange: (listener) => table.onChange(listener),
    close: () => {
      closed = true;
      table.close();
    },
  };
}

async function dump(sock: RtNetlinkSocket, type: number, format: (out: AttrStream) => void): Promise<NetlinkMessage[]> {
  const stream = new AttrStream();
  format(stream);
  const [messages] = await sock.socket.request(type, stream.bufs, { flags: FlagsGet.DUMP, timeout: DUMP_TIMEOUT_MS, checkError: false });
  const [first] = messages;
  if (first?.type === MessageType.ERROR) throw new Error(`rtnetlink dump of type ${type} refused: ${getSystemErrorName(parseError(first.data, first.flags).errno)}`);
  return messages;
}

/** The feed over real sockets: our own to listen (src/base/rtnl-monitor.ts), the package's for each dump. */
function kernelFeed(receiveBuffer?: number): RtnlFeed {
  let monitor: RtnlMonitor | undefined;
  return {
    listen(onMessages, onError) {
      monitor = openRtnlMonitor([RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_IFADDR], {
        datagram(bytes) {
          let msgs: NetlinkMessage[];
          try {
            msgs = parseMessages(bytes);
          } catch {
            // a datagram whose lengths do not hold together: nothing in it can be trusted
            return;
          }
          onMessages(msgs);
        },
        overrun() {
          const error: NodeJS.ErrnoException = new Error('No buffer space available');
          error.code = 'ENOBUFS';
          onError(error);
        },
        error: onError,
      }, receiveBuffer);
    },
    async dump() {
      const dumper = createRtNetlink();
      dumper.socket.on('error', () => undefined);
      try {
        return [
          ...(await dump(dumper, rt.MessageType.GETLINK, (out) => rt.formatLinkMessage({ kind: 'link', data: {}, attrs: {} }, out))),
          ...(await dump(dumper, rt.MessageType.GETADDR, (out) => rt.formatAddressMessage({ kind: 'address', data: {}, attrs: {} }, out))),
        ];
      } finally {
        dumper.socket.close();
      }
    },
    close: () => monitor?.close(),
  };
}

/** Opens the table over the kernel's rtnetlink. */
export function openInterfaceTable(onError?: InterfaceErrors, receiveBuffer?: number): Promise<InterfacePort> {
  return followInterfaces(kernelFeed(receiveBuffer), onError);
}

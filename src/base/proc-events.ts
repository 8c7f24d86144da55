/**
 * The kernel's process events (fork, exec, comm, exit) through the addon's native/src/proc_events.c, and
 * the /proc reads that go with them: what keepalived 2.2.7's core/track_process.c uses (nl_connect,
 * handle_proc_ev, read_procs, check_process). track/process-tracker.ts decides; lab/fakes/proc-events.ts
 * stands in for this port in tests.
 */
import * as fs from 'node:fs';
import { loadAddon } from './native.js';

/** The CPU that numbered a message and its number there: the connector counts per CPU, so a gap is events lost. */
interface Numbered {
  cpu?: number;
  seq?: number;
}

export type ProcEvent =
  | ({ what: 'ack' } & Numbered)
  /** pid/tgid: the child's; a thread when they differ. */
  | ({ what: 'fork'; pid: number; tgid: number; parentTgid: number } & Numbered)
  | ({ what: 'exec' | 'exit'; pid: number; tgid: number } & Numbered)
  | ({ what: 'comm'; pid: number; tgid: number; comm: string } & Numbered)
  /** uid, gid, sid, ptrace, coredump: untracked, but their numbers count. */
  | ({ what: 'other' } & Numbered)
  /** ENOBUFS: the socket's buffer overflowed and events were lost. */
  | { what: 'overrun' };

/** What /proc says of one process. */
export interface ProcessView {
  pid: number;
  /** /proc/PID/comm (or stat's second field), without the newline. */
  comm?: string;
  /** The first bytes of /proc/PID/cmdline (NUL-separated words), as many as asked for. */
  cmdline?: Buffer;
  /** stat's state is Z. */
  zombie?: boolean;
}

export interface ProcEventsPort {
  /** Starts listening; `onEvents` hears each batch from the event loop. Throws when the connector cannot be opened. */
  listen(onEvents: (events: readonly ProcEvent[]) => void, onError: (error: Error) => void): void;
  /** SO_RCVBUF (SO_RCVBUFFORCE with `force`) of the listening socket. */
  setReceiveBuffer(bytes: number, force: boolean): void;
  /** SO_RCVBUF as the kernel holds it: twice what was set. */
  receiveBufferSize(): number;
  close(): void;
  /** Every process in /proc (read_procs): comm from stat with its state, and/or cmdline up to `cmdlineBytes`. */
  scan(want: { comm: boolean; cmdlineBytes?: number }): ProcessView[];
  /** One process (check_process): comm from /proc/PID/comm and/or cmdline up to `cmdlineBytes`; undefined once gone. */
  read(pid: number, want: { comm: boolean; cmdlineBytes?: number }): ProcessView | undefined;
}

interface ProcAddon {
  procEventsOpen(listen: boolean): number;
  procEventsRead(fd: number, max: number): ProcEvent[];
  procEventsListen(fd: number, on: boolean): void;
  procEventsSetRcvBuf(fd: number, bytes: number, force: boolean): void;
  procEventsGetRcvBuf(fd: number): number;
  procEventsClose(fd: number): void;
  pollStart(fd: number, onReadable: (error?: Error) => void): object;
  pollStop(handle: object): void;
}

/** Events read per turn of the event loop: the rest wait for the next (the poll is level-triggered). */
const BATCH = 256;

function readHead(file: string, bytes: number): Buffer | undefined {
  let fd: number;
  try {
    // libuv opens every file close-on-exec
    fd = fs.openSync(file, fs.constants.O_RDONLY);
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, fs.readSync(fd, buf, 0, bytes, null));
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** stat's "(comm)" and state, as read_procs takes them: comm up to the first ')' after the first '('. */
function fromStat(stat: string): { comm: string; zombie: boolean } | undefined {
  const open = stat.indexOf('(', 2);
  if (open < 0) return undefined;
  const close = stat.indexOf(')', open);
  if (close < 0) return undefined;
  return { comm: stat.slice(open + 1, close), zombie: stat[close + 2] === 'Z' };
}

/** Set by the parent for its VRRP child: the descriptor of a connector socket it opened outside net_namespace. */
export const PROC_EVENTS_FD_ENV = 'KEEPALIVED_TS_PROC_EVENTS_FD';

/**
 * The connector only answers in the host's first network namespace: under net_namespace the parent opens
 * the socket before it enters the namespace (keepalived's main.c does the same) and its VRRP child inherits it.
 */
export function openProcEventsSocket(): number {
  // the child that reads it asks for the events (init_track_processes)
  return loadAddon<ProcAddon>().procEventsOpen(false);
}

/** `inherited`: a socket opened by the parent, listened on and left open at close (a reload listens again). */
export function hostProcEvents(inherited?: number): ProcEventsPort {
  let fd = -1;
  let poll: object | undefined;
  const addon = (): ProcAddon => loadAddon<ProcAddon>();
  return {
    listen(onEvents, onError) {
      const native = addon();
      if (inherited === undefined) fd = native.procEventsOpen(true);
      else {
        native.procEventsListen(inherited, true);
        fd = inherited;
      }
      poll = native.pollStart(fd, (error) => {
        // the socket overflowed while nobody read it (a busy machine): events were lost, as recvmsg's ENOBUFS
        if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOBUFS') return onEvents([{ what: 'overrun' }]);
        if (error) return onError(error);
        try {
          const events = native.procEventsRead(fd, BATCH);
          if (events.length > 0) onEvents(events);
        } catch (e) {
          onError(e as Error);
        }
      });
    },
    setReceiveBuffer(bytes, force) {
      addon().procEventsSetRcvBuf(fd, bytes, force);
    },
    receiveBufferSize() {
      return addon().procEventsGetRcvBuf(fd);
    },
    close() {
      if (fd < 0) return;
      const native = addon();
      if (poll) native.pollStop(poll);
      poll = undefined;
      if (inherited === undefined) native.procEventsClose(fd);
      else native.procEventsListen(fd, false);
      fd = -1;
    },
    scan(want) {
      const out: ProcessView[] = [];
      for (const name of fs.readdirSync('/proc')) {
        if (!(name[0]! > '0' && name[0]! <= '9')) continue;
        const view: ProcessView = { pid: Number(name) };
        if (want.cmdlineBytes !== undefined) {
          const cmdline = readHead(`/proc/${name}/cmdline`, want.cmdlineBytes);
          if (!cmdline) continue;
          view.cmdline = cmdline;
        }
        if (want.comm) {
          const stat = readHead(`/proc/${name}/stat`, 127);
          const parsed = stat && fromStat(stat.toString('latin1').replace(/\n$/, ''));
          if (!parsed) continue;
          view.comm = parsed.comm;
          view.zombie = parsed.zombie;
        }
        out.push(view);
      }
      return out;
    },
    read(pid, want) {
      const view: ProcessView = { pid };
      if (want.cmdlineBytes !== undefined) {
        const cmdline = readHead(`/proc/${pid}/cmdline`, want.cmdlineBytes);
        if (!cmdline) return undefined;
        view.cmdline = cmdline;
      }
      if (want.comm) {
        const comm = readHead(`/proc/${pid}/comm`, 16);
        if (!comm) return undefined;
        view.comm = comm.toString('latin1').replace(/\n$/, '');
      }
      return view;
    },
  };
}

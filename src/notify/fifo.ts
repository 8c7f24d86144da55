/**
 * notify_fifo / vrrp_notify_fifo / lvs_notify_fifo writers (keepalived's
 * notify.c fifo_open): start the FIFO's script, open the FIFO read-write
 * and non-blocking — so the open never waits for a reader and a write never
 * blocks or raises SIGPIPE — and write each line to every open FIFO.
 * A missing FIFO is created (mkfifo through the project's addon, mode 0644
 * less the umask — 0600 under keepalived's default 0177 —, given to its
 * owner) and removed again on close, as keepalived does. Neither a link
 * (O_NOFOLLOW, as keepalived) nor anything but a FIFO at the path (a file
 * keepalived would write into) is opened.
 */
import * as fs from 'node:fs';
import { makeFifo } from '../base/native.js';
import type { RunAs, ScriptPort } from '../base/scripts.js';

export interface FifoSpec {
  readonly which: 'notify_fifo' | 'vrrp_notify_fifo' | 'lvs_notify_fifo';
  readonly path: string;
  /** The FIFO script, its argv already ending with the FIFO name. */
  readonly script?: { readonly argv: readonly string[] } & RunAs;
  /** Who a FIFO we create belongs to (notify_fifo's `username [groupname]`). */
  readonly owner?: RunAs;
}

export interface NotifyFifoPorts {
  scripts: ScriptPort;
  log(message: string): void;
  /** The process writing: it names the FIFO scripts in their exit message. */
  process: 'vrrp' | 'lvs';
}

/** keepalived's mkfifo mode; the umask takes group and other off. */
const FIFO_MODE = 0o644;

interface OpenFifo {
  readonly path: string;
  readonly fd: number;
  /** Made by us: removed on close. */
  readonly created: boolean;
  dropped: number;
}

export class NotifyFifos {
  private readonly open: OpenFifo[] = [];

  private constructor(
    private specs: readonly FifoSpec[],
    private readonly ports: NotifyFifoPorts,
  ) {
    this.openAll();
  }

  /** In keepalived's order: the global notify_fifo first, then the process's own. */
  static open(fifos: readonly FifoSpec[], ports: NotifyFifoPorts): NotifyFifos {
    return new NotifyFifos(fifos, ports);
  }

  /** At a reload: closed and opened again (scripts restarted) only when the configured FIFOs changed. */
  reconfigure(fifos: readonly FifoSpec[]): void {
    if (JSON.stringify(fifos) === JSON.stringify(this.specs)) return;
    this.close();
    this.specs = fifos;
    this.openAll();
  }

  private openAll(): void {
    for (const fifo of this.specs) {
      const opened = openFifo(fifo, this.ports);
      if (opened !== undefined) this.open.push({ path: fifo.path, ...opened, dropped: 0 });
    }
  }

  /** Writes the line (formatted by the caller) to every FIFO; one that is full or broken loses it. */
  write(line: string | Uint8Array): void {
    const data = typeof line === 'string' ? Buffer.from(line) : line;
    for (const fifo of this.open) {
      try {
        fs.writeSync(fifo.fd, data);
      } catch {
        // EAGAIN: the reader is not keeping up; keepalived ignores the failure too
        fifo.dropped++;
      }
    }
  }

  /** Lines lost per FIFO path. */
  get dropped(): ReadonlyMap<string, number> {
    return new Map(this.open.map((f) => [f.path, f.dropped]));
  }

  close(): void {
    for (const fifo of this.open.splice(0)) {
      fs.closeSync(fifo.fd);
      if (fifo.created) fs.rmSync(fifo.path, { force: true });
    }
  }
}

function openFifo(fifo: FifoSpec, ports: NotifyFifoPorts): { fd: number; created: boolean } | undefined {
  // keepalived's prefix in its messages: "" for the global FIFO, "vrrp_" or "lvs_" for a process's own
  const type = fifo.which.slice(0, -'notify_fifo'.length);
  let created = false;
  try {
    makeFifo(fifo.path, FIFO_MODE);
    created = true;
    if (fifo.owner) chownIfOther(fifo.path, fifo.owner, ports);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      ports.log(`Unable to create ${type}notify fifo ${fifo.path}`);
      return undefined;
    }
  }
  // the script starts first: it is the reader keepalived expects on the other end
  if (fifo.script) {
    const { argv, uid, gid } = fifo.script;
    void ports.scripts.run(argv, { uid, gid }).then(() => ports.log(`${ports.process} notify fifo script terminated`));
  }
  let fd: number;
  try {
    fd = fs.openSync(fifo.path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (error) {
    ports.log(`Unable to open ${type}notify fifo ${fifo.path} - errno ${errnoNumber(error)}`);
    if (created) fs.rmSync(fifo.path, { force: true });
    return undefined;
  }
  if (!fs.fstatSync(fd).isFIFO()) {
    fs.closeSync(fd);
    ports.log(`Unable to open ${type}notify fifo ${fifo.path} - it is not a FIFO`);
    return undefined;
  }
  return { fd, created };
}

function chownIfOther(file: string, owner: RunAs, ports: NotifyFifoPorts): void {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (owner.uid === uid && owner.gid === gid) return;
  try {
    fs.chownSync(file, owner.uid === uid ? -1 : owner.uid, owner.gid === gid ? -1 : owner.gid);
  } catch {
    ports.log(`Failed to set uid:gid for fifo ${file}`);
  }
}

function errnoNumber(error: unknown): number | string {
  const errno = (error as NodeJS.ErrnoException).errno;
  return errno === undefined ? String(error) : -errno;
}

/**
 * The fake ProcEventsPort (src/base/proc-events.ts): a process table the test edits, and events it
 * delivers by hand. `spawn`/`exec`/`rename`/`exit` change the table and deliver the kernel's event.
 */
import type { ProcEvent, ProcEventsPort, ProcessView } from '../../src/base/proc-events.js';

interface FakeProcess {
  comm: string;
  argv: string[];
  zombie?: boolean;
}

export class FakeProcEvents implements ProcEventsPort {
  readonly table = new Map<number, FakeProcess>();
  listening = false;
  closed = false;
  /** Thrown by listen(), as the addon throws when the connector refuses (inside a network namespace). */
  listenError: Error | undefined;
  private onEvents: ((events: readonly ProcEvent[]) => void) | undefined;
  private nextPid = 1000;

  listen(onEvents: (events: readonly ProcEvent[]) => void): void {
    if (this.listenError) throw this.listenError;
    this.listening = true;
    this.onEvents = onEvents;
  }

  /** The last setReceiveBuffer call. */
  receiveBuffer: { bytes: number; force: boolean } | undefined;

  /** net.core.rmem_default and rmem_max as Debian ships them. */
  static readonly RMEM = 212_992;
  /** Thrown by the next getsockopt, as the addon throws. */
  receiveBufferError: Error | undefined;

  setReceiveBuffer(bytes: number, force: boolean): void {
    this.receiveBuffer = { bytes, force };
  }

  /** What the kernel holds: twice what was set, capped at rmem_max unless forced. */
  receiveBufferSize(): number {
    if (this.receiveBufferError) throw this.receiveBufferError;
    const { bytes, force } = this.receiveBuffer ?? { bytes: FakeProcEvents.RMEM, force: false };
    return 2 * (force ? bytes : Math.min(bytes, FakeProcEvents.RMEM));
  }

  close(): void {
    this.closed = true;
    this.onEvents = undefined;
  }

  scan(want: { comm: boolean; cmdlineBytes?: number }): ProcessView[] {
    return [...this.table.keys()].map((pid) => ({ ...this.view(pid, want)!, ...(want.comm ? { zombie: this.table.get(pid)!.zombie === true } : {}) }));
  }

  read(pid: number, want: { comm: boolean; cmdlineBytes?: number }): ProcessView | undefined {
    return this.view(pid, want);
  }

  /** A process in the table before the tracker starts (no event). */
  running(argv: string[], comm = baseName(argv[0]!)): number {
    const pid = this.nextPid++;
    this.table.set(pid, { comm, argv });
    return pid;
  }

  deliver(...events: ProcEvent[]): void {
    this.onEvents?.(events);
  }

  /** fork of `parent` (a copy of it), as the kernel reports it. */
  fork(parent: number): number {
    const pid = this.nextPid++;
    this.table.set(pid, { ...this.table.get(parent)! });
    this.deliver({ what: 'fork', pid, tgid: pid, parentTgid: parent });
    return pid;
  }

  exec(pid: number, argv: string[], comm = baseName(argv[0]!)): void {
    this.table.set(pid, { comm, argv });
    this.deliver({ what: 'exec', pid, tgid: pid });
  }

  /** fork then exec, as a shell starts a command. */
  spawn(parent: number, argv: string[]): number {
    const pid = this.fork(parent);
    this.exec(pid, argv);
    return pid;
  }

  rename(pid: number, comm: string): void {
    this.table.get(pid)!.comm = comm;
    this.deliver({ what: 'comm', pid, tgid: pid, comm });
  }

  exit(pid: number): void {
    this.table.delete(pid);
    this.deliver({ what: 'exit', pid, tgid: pid });
  }

  private view(pid: number, want: { comm: boolean; cmdlineBytes?: number }): ProcessView | undefined {
    const p = this.table.get(pid);
    if (!p) return undefined;
    const view: ProcessView = { pid };
    if (want.comm) view.comm = p.comm.slice(0, 15);
    if (want.cmdlineBytes !== undefined) view.cmdline = Buffer.from(p.argv.map((a) => `${a}\0`).join(''), 'latin1').subarray(0, want.cmdlineBytes);
    return view;
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

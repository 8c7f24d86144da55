/**
 * The parent's watch over its children's event loops. A child can be alive
 * as a process and still do nothing (a checker stuck in one long match checks
 * no real server and leaves IPVS as it is), which neither its exit nor
 * systemd's watchdog on the parent would show. The parent pings each child
 * over its fork() IPC channel ({type: 'ping', seq} → {type: 'pong', seq});
 * a child silent for `timeoutMs` is reported (and killed by the caller, so
 * the supervisor restarts it), and the parent's WATCHDOG=1 is held back
 * while any running child is silent. A child killed before its first answer
 * gets twice the start-up allowance the next time (up to STARTUP_DOUBLINGS
 * times, back to one once it answers): on a machine slow enough that loading
 * and reading the configuration takes longer than the allowance, a fixed one
 * would kill every start at the same point, for ever.
 */
import { sendQuietly, type IpcChannel } from '../observe/metrics-ipc.js';
import type { Clock } from '../base/clock.js';

interface Ping {
  type: 'ping';
  seq: number;
}

interface Pong {
  type: 'pong';
  seq: number;
}

const isPing = (m: unknown): m is Ping => typeof m === 'object' && m !== null && (m as Ping).type === 'ping' && typeof (m as Ping).seq === 'number';
const isPong = (m: unknown): m is Pong => typeof m === 'object' && m !== null && (m as Pong).type === 'pong' && typeof (m as Pong).seq === 'number';

/** Child side: answer every ping while the event loop turns. Nothing to do without a channel. */
export function answerPings(channel: IpcChannel): () => void {
  if (typeof channel.send !== 'function') return () => undefined;
  const onMessage = (message: unknown): void => {
    if (isPing(message)) sendQuietly(channel, { type: 'pong', seq: message.seq } satisfies Pong);
  };
  channel.on('message', onMessage);
  return () => channel.off('message', onMessage);
}

export interface WatchedChild {
  readonly name: string;
  /** The running process, or undefined while it is being restarted. */
  running(): { readonly pid: number; readonly channel: IpcChannel } | undefined;
}

export interface LivenessOptions<C extends WatchedChild> {
  readonly clock: Clock;
  readonly intervalMs: number;
  /** Silence after which a child counts as stuck. */
  readonly timeoutMs: number;
  /** How long a new process has to answer its first ping (it loads its code and reads the configuration first). */
  readonly startupMs: number;
  /** Called once per stuck process. */
  readonly onSilent: (child: C, pid: number, silentMs: number) => void;
}

interface Watch {
  pid: number;
  channel: IpcChannel;
  lastAnswerUs: number;
  reported: boolean;
  /** It has answered once: its own code runs (bin/keepalived-ts has set its SIGUSR1 listener). */
  answered: boolean;
  /** Its silence allowed before the first answer. */
  readonly startupUs: number;
  onMessage: (message: unknown) => void;
}

/** The start-up allowance doubles at most this many times (60 s: up to 16 min). */
const STARTUP_DOUBLINGS = 4;

export class ChildLiveness<C extends WatchedChild> {
  private readonly watches = new Map<C, Watch>();
  /** Per child: its processes killed in a row before their first answer. */
  private readonly startupKills = new Map<C, number>();
  private seq = 0;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly children: readonly C[],
    private readonly opts: LivenessOptions<C>,
  ) {}

  start(): void {
    const tick = (): void => {
      this.tick();
      this.cancel = this.opts.clock.at(this.opts.clock.nowUs() + this.opts.intervalMs * 1000, tick);
    };
    tick();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
    for (const child of [...this.watches.keys()]) this.unwatch(child);
  }

  /** Whether every running child has answered within the timeout (a restarting one does not count against it). */
  allAnswering(): boolean {
    const now = this.opts.clock.nowUs();
    return this.children.every((child) => {
      const w = this.current(child);
      return !w || now - w.lastAnswerUs < this.allowedSilenceUs(w);
    });
  }

  private allowedSilenceUs(w: Watch): number {
    return w.answered ? this.opts.timeoutMs * 1000 : w.startupUs;
  }

  /**
   * Whether the child's running process has answered a ping: until then a signal must not be passed on to it
   * (Node's default SIGUSR1 starts its inspector, a root debugger on 127.0.0.1:9229; SIGUSR2 and SIGRTMIN+2 end it).
   */
  hasAnswered(child: C): boolean {
    return this.current(child)?.answered === true;
  }

  private tick(): void {
    const now = this.opts.clock.nowUs();
    const seq = ++this.seq;
    for (const child of this.children) {
      const w = this.current(child);
      if (!w) continue;
      const silentUs = now - w.lastAnswerUs;
      if (silentUs >= this.allowedSilenceUs(w) && !w.reported) {
        w.reported = true;
        if (!w.answered) this.startupKills.set(child, (this.startupKills.get(child) ?? 0) + 1);
        this.opts.onSilent(child, w.pid, Math.round(silentUs / 1000));
      }
      sendQuietly(w.channel, { type: 'ping', seq } satisfies Ping);
    }
  }

  /** The watch on the child's running process, started afresh when the process changed. */
  private current(child: C): Watch | undefined {
    const proc = child.running();
    const w = this.watches.get(child);
    if (w && proc && w.pid === proc.pid && w.channel === proc.channel) return w;
    if (w) this.unwatch(child);
    if (!proc) return undefined;
    const fresh: Watch = {
      pid: proc.pid,
      channel: proc.channel,
      lastAnswerUs: this.opts.clock.nowUs(),
      reported: false,
      answered: false,
      startupUs: this.opts.startupMs * 1000 * 2 ** Math.min(STARTUP_DOUBLINGS, this.startupKills.get(child) ?? 0),
      onMessage: (message) => {
        if (!isPong(message)) return;
        fresh.lastAnswerUs = this.opts.clock.nowUs();
        fresh.answered = true;
        this.startupKills.delete(child);
      },
    };
    proc.channel.on('message', fresh.onMessage);
    this.watches.set(child, fresh);
    return fresh;
  }

  private unwatch(child: C): void {
    const w = this.watches.get(child);
    if (!w) return;
    w.channel.off('message', w.onMessage);
    this.watches.delete(child);
  }
}

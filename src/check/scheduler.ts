/**
 * One checker of one real server on keepalived's schedule: the first run
 * BOOTSTRAP_DELAY plus a random part of the warmup after start
 * (check_api.c register_checkers_thread), then what each checker type's
 * epilog makes of a result — retries spaced by delay_before_retry, the
 * verdict after `retry` of them, delay_loop otherwise — with its log lines.
 * The epilogs differ per type in keepalived (tcp_epilog, udp_epilog,
 * icmp_epilog, dns_final, smtp_final, http epilog, misc_check_child_thread)
 * and are kept apart here. An attempt runs to its end before the next is
 * timed, so attempts never overlap and a slow one pushes the next back.
 */
import type { Checker } from '../config/check/model.js';
import type { Clock } from '../base/clock.js';
import { serverName } from './pool.js';
import { CHECKER_BODIES, miscCheckBody, smtpCheckBody } from './alert-mails.js';
import type { Probe, ProbeResult, ProbeTarget } from './probe.js';

/** keepalived's BOOTSTRAP_DELAY: no checker runs in the first second. */
const BOOTSTRAP_DELAY_US = 1_000_000;

export type ScheduledChecker = Exclude<Checker, { type: 'BFD_CHECK' }>;

export interface CheckerVerdict {
  readonly up: boolean;
  /** MISC_CHECK with misc_dynamic: the weight the script asked for; undefined: the configured weight. */
  readonly weight?: number;
  /** keepalived's line for this change, already logged; some changes have none. */
  readonly message?: string;
  /**
   * keepalived's e-mail body for this change, when the checker's side of its gate holds (a change of the checker's
   * state; any verdict for MISC_CHECK); the real server's side (smtp_alert, no_checker_emails) is the caller's.
   */
  readonly mail?: string;
  /**
   * The checker's first verdict, reported even when it changes nothing:
   * keepalived then runs the real server's notifies for an alpha checker.
   */
  readonly first: boolean;
}

export interface CheckerSchedulerPorts {
  clock: Clock;
  probe: Probe;
  log(message: string): void;
  /** A change of the checker's state or weight, or its first verdict. */
  onVerdict(verdict: CheckerVerdict): void;
  /** global_defs checker_log_all_failures. */
  logAllFailures?: boolean;
  /** Uniform in [0, 1]: where in the warmup the first run falls. */
  random?: () => number;
  /**
   * Where the checker starts instead of a fresh start's state: a reload's
   * migrated checker (migrate_checkers) or one new on a kept real server.
   */
  initial?: CheckerRunState;
}

/** What a reload carries from an old checker to its successor (is_up, has_run, retry_it, a dynamic MISC_CHECK's weight). */
export interface CheckerRunState {
  readonly up: boolean;
  readonly hasRun: boolean;
  readonly retryIt: number;
  readonly weight?: number;
}

interface State {
  readonly up: boolean;
  readonly hasRun: boolean;
  readonly retryIt: number;
  readonly weight: number | undefined;
  /** HTTP: a URL failed; it must pass again, then every URL, before the checker is up. */
  readonly failedUrl: boolean;
}

/** What one result does to a checker. */
interface Step {
  readonly state: State;
  readonly delayUs: number;
  /** MISC_CHECK times the next run from this one's start, the others from its end. */
  readonly fromStart?: boolean;
  readonly logs: readonly string[];
  /** keepalived called update_svr_checker_state (the state's `up`), with this line and maybe this mail body. */
  readonly update?: { readonly message?: string; readonly mail?: string };
}

interface Context {
  readonly checker: ScheduledChecker;
  /** FMT_CHK and FMT_VS. */
  readonly rs: string;
  readonly vs: string;
  readonly logAll: boolean;
}

type Epilog = (c: Context, s: State, r: ProbeResult) => Step;

const retries = (n: number): string => `${n} ${n === 1 ? 'retry' : 'retries'}`;

/** The checkers' common mail gate: a success mails when the checker was down, a failure when it was up. */
const mailWhen = (gate: boolean, body: string): { mail?: string } => (gate ? { mail: body } : {});

/** The per-attempt failure line, logged while up only with log_all_failures. */
function attemptLogs(c: Context, s: State, r: ProbeResult): string[] {
  return !r.ok && s.up && c.logAll && r.message !== undefined ? [r.message] : [];
}

interface Layer4Words {
  success(rs: string): string;
  failed(c: Context, afterRetries: boolean): string;
  /** TCP retries even when already down; UDP and ICMP wait for delay_loop then. */
  retryWhileDown: boolean;
  mail: { readonly up: string; readonly down: string };
}

/** tcp_epilog, udp_epilog and icmp_epilog: the same shape, their own words. */
function layer4(words: Layer4Words): Epilog {
  return (c, s, r) => {
    const { retry, delayLoopUs, delayBeforeRetryUs } = c.checker;
    const logs = attemptLogs(c, s, r);
    const decides = s.retryIt >= retry && (words.retryWhileDown || s.up || !s.hasRun);
    if (r.ok || decides) {
      const state = { ...s, retryIt: 0, hasRun: true };
      if (r.ok && (!s.up || !s.hasRun)) {
        const message = words.success(c.rs);
        return { state: { ...state, up: true }, delayUs: delayLoopUs, logs: [...logs, message], update: { message, ...mailWhen(!s.up, words.mail.up) } };
      }
      if (!r.ok && (s.up || !s.hasRun)) {
        const message = words.failed(c, retry > 0 && s.hasRun);
        return { state: { ...state, up: false }, delayUs: delayLoopUs, logs: [...logs, message], update: { message, ...mailWhen(s.up, words.mail.down) } };
      }
      return { state, delayUs: delayLoopUs, logs };
    }
    if (words.retryWhileDown || s.up) return { state: { ...s, retryIt: s.retryIt + 1, hasRun: true }, delayUs: delayBeforeRetryUs, logs };
    return { state: { ...s, hasRun: true }, delayUs: delayLoopUs, logs };
  };
}

const tcpEpilog = layer4({
  success: (rs) => `TCP connection to ${rs} success.`,
  failed: (c, after) => (after ? `TCP_CHECK on service ${c.rs} failed after ${c.checker.retry} retries.` : `TCP_CHECK on service ${c.rs} failed.`),
  retryWhileDown: true,
  mail: CHECKER_BODIES.TCP_CHECK,
});

const udpEpilog = layer4({
  success: (rs) => `UDP connection to ${rs} success.`,
  failed: (c, after) => (after ? `UDP_CHECK on service ${c.rs} failed after ${c.checker.retry} retries.` : `UDP_CHECK on service ${c.rs} failed.`),
  retryWhileDown: false,
  mail: CHECKER_BODIES.UDP_CHECK,
});

const icmpEpilog = layer4({
  success: (rs) => `ICMP connection to ${rs} success.`,
  failed: (c, after) =>
    after ? `ICMP CHECK on service ${c.rs} of ${c.vs} failed after ${c.checker.retry} retries.` : `ICMP CHECK on service ${c.rs} failed.`,
  retryWhileDown: false,
  mail: CHECKER_BODIES.PING_CHECK,
});

/** dns_final: the probe's reason is the line, " after N retries" added once retries are spent; success is silent. */
const dnsEpilog: Epilog = (c, s, r) => {
  const { retry, delayLoopUs, delayBeforeRetryUs } = c.checker;
  const settled = { ...s, retryIt: 0, hasRun: true };
  if (r.ok) {
    if (!s.up || !s.hasRun) return { state: { ...settled, up: true }, delayUs: delayLoopUs, logs: [], update: mailWhen(!s.up, CHECKER_BODIES.DNS_CHECK.up) };
    return { state: settled, delayUs: delayLoopUs, logs: [] };
  }
  if (!s.up && s.hasRun) return { state: settled, delayUs: delayLoopUs, logs: [] };
  const spent = s.retryIt >= retry;
  const logs = r.message !== undefined && (c.logAll || spent) ? [s.hasRun && spent ? `${r.message} after ${retry} retries` : r.message] : [];
  if (!spent) return { state: { ...s, retryIt: s.retryIt + 1, hasRun: true }, delayUs: delayBeforeRetryUs, logs };
  return { state: { ...settled, up: false }, delayUs: delayLoopUs, logs, update: { message: logs[0], ...mailWhen(s.up, CHECKER_BODIES.DNS_CHECK.down) } };
};

/**
 * smtp_final: the reason is logged while up once retries are spent; the
 * counter only resets on success, so a down checker does not retry.
 */
const smtpEpilog: Epilog = (c, s, r) => {
  const { retry, delayLoopUs, delayBeforeRetryUs } = c.checker;
  if (r.ok) {
    const state = { ...s, retryIt: 0, hasRun: true };
    if (s.up && s.hasRun) return { state, delayUs: delayLoopUs, logs: [] };
    const message = `Remote SMTP server ${c.rs} succeed on service.`;
    return { state: { ...state, up: true }, delayUs: delayLoopUs, logs: [message], update: { message, ...mailWhen(!s.up, smtpCheckBody(true, undefined)) } };
  }
  const counts = s.up || !s.hasRun;
  const logs = counts && r.message !== undefined && (c.logAll || s.retryIt >= retry) ? [r.message] : [];
  const retryIt = s.retryIt + 1;
  if (retryIt <= retry) return { state: { ...s, retryIt }, delayUs: delayBeforeRetryUs, logs };
  if (!counts) return { state: { ...s, retryIt }, delayUs: delayLoopUs, logs };
  return { state: { ...s, retryIt, up: false, hasRun: true }, delayUs: delayLoopUs, logs, update: { message: logs[0], ...mailWhen(s.up, smtpCheckBody(false, r.message)) } };
};

/** The HTTP probe's per-url lines (`HTTP status code success to … url(/)`), which keepalived logs while the checker is down. */
function urlSuccessLines(r: ProbeResult): string[] {
  return r.message?.split('\n').filter((line) => !line.startsWith('Remote Web server ')) ?? [];
}

/**
 * The HTTP epilog, for a probe that checks every URL in one attempt. Once
 * down, a passing attempt only clears the failed URL: the next one (at once
 * with fast_recovery) must pass again before the checker is up.
 */
const httpEpilog: Epilog = (c, s, r) => {
  const { retry, delayLoopUs, delayBeforeRetryUs } = c.checker;
  const fastRecovery = c.checker.type === 'HTTP_GET' || c.checker.type === 'SSL_GET' ? c.checker.fastRecovery : false;
  const afterFailure = Math.max(delayBeforeRetryUs, delayLoopUs);
  if (r.ok) {
    const urlLines = s.up ? [] : urlSuccessLines(r);
    if (s.failedUrl) return { state: { ...s, failedUrl: false, retryIt: 0 }, delayUs: fastRecovery && !s.up ? 0 : delayLoopUs, logs: urlLines };
    const state = { ...s, retryIt: 0, hasRun: true };
    if (s.up && s.hasRun) return { state, delayUs: delayLoopUs, logs: [] };
    const message = `Remote Web server ${c.rs} succeed on service.`;
    return { state: { ...state, up: true }, delayUs: delayLoopUs, logs: [...urlLines, message], update: { message, ...mailWhen(!s.up, CHECKER_BODIES[c.checker.type === 'SSL_GET' ? 'SSL_GET' : 'HTTP_GET'].up) } };
  }
  // timeout_epilog: a checker already down is not retried
  if (!s.up && s.hasRun) return { state: s, delayUs: s.failedUrl ? afterFailure : delayBeforeRetryUs, logs: [] };
  const logs = c.logAll && r.message !== undefined ? [r.message] : [];
  const retryIt = s.retryIt + 1;
  if (retryIt <= retry) return { state: { ...s, retryIt, hasRun: true }, delayUs: delayBeforeRetryUs, logs };
  const state = { ...s, retryIt, hasRun: true, failedUrl: true };
  // has_run is set before this test, so a first failure of an alpha checker says nothing
  if (!s.up) return { state, delayUs: afterFailure, logs };
  const message = retry > 0 ? `HTTP_CHECK on service ${c.rs} failed after ${retryIt - 1} retries.` : `HTTP_CHECK on service ${c.rs} failed.`;
  // reached only from up: the mail's gate holds
  return { state: { ...state, up: false }, delayUs: afterFailure, logs: [...logs, message], update: { message, mail: CHECKER_BODIES.HTTP_GET.down } };
};

/** misc_check_child_thread's note on where the retries stand. */
function miscRetryNote(retry: number, retryIt: number): string {
  if (retry === 0) return ' with retry disabled';
  if (retryIt === 1) return `, will do ${retries(retry)}`;
  if (retryIt > 1) return ` on retry ${retryIt - 1}/${retry}`;
  return ` after ${retries(retry)}`;
}

/** The note goes right after the verdict word of the probe's line, before its reason. */
function withRetryNote(message: string, note: string): string {
  for (const word of ['] failed', '] timed out']) {
    const at = message.lastIndexOf(word);
    if (at >= 0) return message.slice(0, at + word.length) + note + message.slice(at + word.length);
  }
  return message;
}

/** misc_check_child_thread: runs are timed from their start; a failure drops the dynamic weight. */
const miscEpilog: Epilog = (c, s, r) => {
  const { retry, delayLoopUs, delayBeforeRetryUs } = c.checker;
  const timing = (retryIt: number) => ({ delayUs: retryIt ? delayBeforeRetryUs : delayLoopUs, fromStart: true });
  if (r.ok) {
    const state = { ...s, retryIt: 0, hasRun: true, weight: r.weight };
    if (s.up && s.hasRun) return { state, ...timing(0), logs: [] };
    const logs = r.message === undefined ? [] : [r.message];
    return { state: { ...state, up: true }, ...timing(0), logs, update: { message: logs[0], ...mailWhen(r.outcome !== undefined, miscCheckBody(r.outcome!)) } };
  }
  if (!s.up && s.hasRun) return { state: s, ...timing(s.retryIt), logs: [] };
  const retryIt = s.retryIt < retry ? s.retryIt + 1 : 0;
  const line = r.message === undefined ? [] : [withRetryNote(r.message, miscRetryNote(retry, retryIt))];
  if (retryIt > 0) return { state: { ...s, retryIt, hasRun: true }, ...timing(retryIt), logs: c.logAll ? line : [] };
  const state = { ...s, retryIt, hasRun: true, up: false, weight: undefined };
  // keepalived's MISC_CHECK mails whatever the checker was: its gate is only the real server's
  return { state, ...timing(0), logs: line, update: { message: line[0], ...mailWhen(r.outcome !== undefined, miscCheckBody(r.outcome!)) } };
};

const EPILOGS: Record<ScheduledChecker['type'], Epilog> = {
  TCP_CHECK: tcpEpilog,
  UDP_CHECK: udpEpilog,
  PING_CHECK: icmpEpilog,
  DNS_CHECK: dnsEpilog,
  SMTP_CHECK: smtpEpilog,
  HTTP_GET: httpEpilog,
  SSL_GET: httpEpilog,
  MISC_CHECK: miscEpilog,
};

export class CheckerScheduler {
  private state: State;
  private context: Context;
  private enabled = true;
  private cancelTimer: (() => void) | undefined;
  private running: AbortController | undefined;
  private stopped = false;

  constructor(
    private target: ProbeTarget,
    private readonly ports: CheckerSchedulerPorts,
  ) {
    const checker = target.checker;
    if (checker.type === 'BFD_CHECK') throw new RangeError('BFD_CHECK is not scheduled: the BFD process reports its state');
    this.context = { checker, rs: serverName(target.vs, target.rs), vs: target.vs.name, logAll: checker.logAllFailures || !!ports.logAllFailures };
    // alpha: down until a first success; the first verdict is final either way (retry_it starts at retry)
    const initial = ports.initial ?? { up: !checker.alpha, hasRun: false, retryIt: checker.retry };
    this.state = { up: initial.up, hasRun: initial.hasRun, retryIt: initial.retryIt, weight: initial.weight, failedUrl: false };
  }

  get up(): boolean {
    return this.state.up;
  }

  /** The state a reload carries over to this checker's successor. */
  get runState(): CheckerRunState {
    const { up, hasRun, retryIt, weight } = this.state;
    return weight === undefined ? { up, hasRun, retryIt } : { up, hasRun, retryIt, weight };
  }

  /**
   * A reload kept this checker (the same check of the same real server):
   * later attempts probe the new configuration's objects. An attempt under
   * way finishes against the old ones.
   */
  retarget(target: ProbeTarget): void {
    const checker = target.checker;
    if (checker.type === 'BFD_CHECK' || checker.type !== this.context.checker.type) throw new RangeError(`a ${this.context.checker.type} scheduler cannot take a ${checker.type} checker`);
    this.target = target;
    this.context = { ...this.context, checker, rs: serverName(target.vs, target.rs), vs: target.vs.name };
  }

  /** `enabled` false: ha_suspend with the virtual server's address absent; the checker idles until enabled. */
  start(enabled = true): void {
    this.enabled = enabled;
    this.ports.log(`${enabled ? 'A' : 'Dea'}ctivating healthchecker for service ${this.context.rs} for VS ${this.context.vs}`);
    const warmup = Math.floor(this.context.checker.warmupUs * (this.ports.random ?? Math.random)());
    this.schedule(this.ports.clock.nowUs() + BOOTSTRAP_DELAY_US + warmup);
  }

  /** ha_suspend: the virtual server's address came or went. A run under way finishes. */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.ports.log(`${enabled ? 'Activat' : 'Suspend'}ing healthchecker for service ${this.context.rs} for VS ${this.context.vs}`);
  }

  /** No more attempts; one under way is aborted and its result ignored. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.running?.abort();
  }

  private schedule(dueUs: number): void {
    this.cancelTimer = this.ports.clock.at(dueUs, () => void this.run());
  }

  private async run(): Promise<void> {
    const { clock } = this.ports;
    const startedUs = clock.nowUs();
    if (!this.enabled) return this.schedule(startedUs + this.context.checker.delayLoopUs);
    const controller = new AbortController();
    this.running = controller;
    let result: ProbeResult;
    try {
      result = await this.ports.probe(this.target, controller.signal, this.ports.clock);
    } catch {
      // a probe must not throw; one that does has failed
      result = { ok: false };
    }
    this.running = undefined;
    if (this.stopped) return;
    const before = this.state;
    const step = EPILOGS[this.context.checker.type](this.context, before, result);
    this.state = step.state;
    for (const line of step.logs) this.ports.log(line);
    const changed = step.update !== undefined && (step.state.up !== before.up || !before.hasRun);
    if (changed || step.state.weight !== before.weight) {
      const { up, weight } = step.state;
      const message = step.update?.message;
      const mail = step.update?.mail;
      this.ports.onVerdict({
        up,
        ...(weight === undefined ? {} : { weight }),
        ...(message === undefined ? {} : { message }),
        ...(mail === undefined ? {} : { mail }),
        first: step.update !== undefined && !before.hasRun,
      });
    }
    const nowUs = clock.nowUs();
    this.schedule(Math.max((step.fromStart ? startedUs : nowUs) + step.delayUs, nowUs));
  }
}

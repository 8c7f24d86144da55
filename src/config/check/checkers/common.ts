/**
 * What every checker block shares (check_api.c): the connection keywords
 * (connect_ip, connect_port, bindto, bind_port, bind_if, connect_timeout,
 * fwmark) and the timing keywords (retry, delay_before_retry, warmup,
 * delay_loop, alpha, log_all_failures), and the queueing of a new checker.
 */
import { ConfigErr } from '../../diagnostics.js';
import type { Ctx, Keyword } from '../../engine.js';
import { TIMER_HZ, checkTrueFalse } from '../../numbers.js';
import { formatInet, parseSockAddress } from '../../sockaddr.js';
import { isLinkLocal6, type SockAddr } from '../address.js';
import type { CheckCtx } from '../context.js';
import type { CheckerDraft, ConnectionDraft } from '../draft.js';
import type { Checker, Connection } from '../model.js';

const UINT_MAX = 4294967295;
const IFNAMSIZ = 16;

type Build = CheckerDraft['build'];

export interface NewChecker {
  readonly type: Checker['type'];
  readonly build: Build;
  readonly withConnection?: boolean;
  readonly launched?: boolean;
  readonly defaultRetry?: number;
  readonly defaultDelayBeforeRetryUs?: number;
}

/** queue_checker: a new checker on the last real server, connecting to it by default. */
export function queueChecker(c: CheckCtx, ctx: Ctx, spec: NewChecker): CheckerDraft {
  const rs = c.rs();
  const checker: CheckerDraft = {
    type: spec.type,
    launched: spec.launched ?? true,
    logAllFailures: false,
    defaultRetry: spec.defaultRetry ?? 1,
    defaultDelayBeforeRetryUs: spec.defaultDelayBeforeRetryUs ?? TIMER_HZ,
    connection: spec.withConnection === false ? undefined : newConnection(rs.addr),
    rs,
    vs: c.vs(),
    loc: ctx.loc,
    build: spec.build,
  };
  c.queue(checker);
  return checker;
}

export function newConnection(dst: SockAddr): ConnectionDraft {
  return { dstAddr: { family: dst.family, address: dst.address }, dstPort: dst.port, bindPort: 0, fwmark: 0 };
}

/** check_conn_opts: an IPv6 link-local destination needs bind_if; false → drop the checker. */
export function connectionUsable(c: CheckCtx, co: ConnectionDraft | undefined): boolean {
  if (!co?.dstAddr || co.bindInterface) return true;
  if (!isLinkLocal6(co.dstAddr)) return true;
  c.env.report(ConfigErr.GeneralError, `Checker link local address ${co.dstAddr.address} requires a bind_if`);
  return false;
}

/** The end of a checker block whose only condition is a usable connection. */
export function dropUnlessConnectionUsable(c: CheckCtx): void {
  if (!connectionUsable(c, c.checker()?.connection)) c.dequeue();
}

export function finishConnection(co: ConnectionDraft, connectTimeoutUs: number): Connection {
  return {
    dst: co.dstAddr && { ...co.dstAddr, port: co.dstPort },
    bindAddress: co.bindAddr,
    bindPort: co.bindPort,
    bindInterface: co.bindInterface,
    fwmark: co.fwmark,
    connectTimeoutUs: co.connectTimeoutUs ?? connectTimeoutUs,
  };
}

function bool(ctx: Ctx, what: string): boolean | undefined {
  if (!ctx.has(1)) return true;
  const v = checkTrueFalse(ctx.words[1]!);
  if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid ${what} parameter ${ctx.words[1]}`);
  return v;
}

/** `alpha [BOOL]` as the checkers and real servers read it. */
export function readAlpha(ctx: Ctx): boolean | undefined {
  return bool(ctx, 'alpha');
}

function connectionKeywords(c: CheckCtx): Keyword[] {
  const co = (): ConnectionDraft | undefined => c.checker()?.connection;
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const readAddr = (ctx: Ctx): { family: 'inet' | 'inet6'; address: string } | undefined => {
    const a = parseSockAddress(ctx.word(1));
    return a && { family: a.family, address: formatInet(a) };
  };
  return [
    {
      name: 'connect_ip',
      handler: (ctx) => {
        const o = co();
        if (!o) return;
        const a = readAddr(ctx);
        o.dstAddr = a;
        if (!a) err(ctx, `Invalid connect_ip address ${ctx.word(1)} - ignoring`);
        else if (o.bindAddr && o.bindAddr.family !== a.family) {
          err(ctx, `connect_ip address ${ctx.word(1)} does not match address family of bindto - skipping`);
          o.dstAddr = undefined;
        }
      },
    },
    {
      name: 'connect_port',
      handler: (ctx) => {
        const o = co();
        const port = ctx.num.unsigned(ctx.word(1), 1, 65535, true);
        if (port === undefined) return err(ctx, `Invalid checker connect_port '${ctx.word(1)}'`);
        if (o) o.dstPort = port;
      },
    },
    {
      name: 'bindto',
      handler: (ctx) => {
        const o = co();
        if (!o) return;
        const a = readAddr(ctx);
        o.bindAddr = a;
        if (!a) err(ctx, `Invalid bindto address ${ctx.word(1)} - ignoring`);
        else if (o.dstAddr && o.dstAddr.family !== a.family) {
          err(ctx, `bindto address ${ctx.word(1)} does not match address family of connect_ip - skipping`);
          o.bindAddr = undefined;
        }
      },
    },
    {
      name: 'bind_port',
      handler: (ctx) => {
        const o = co();
        const port = ctx.num.unsigned(ctx.word(1), 1, 65535, true);
        if (port === undefined) return err(ctx, `Invalid checker bind_port '${ctx.word(1)}'`);
        if (o) o.bindPort = port;
      },
    },
    {
      name: 'bind_if',
      handler: (ctx) => {
        const o = co();
        const name = ctx.word(1);
        if (name.length > IFNAMSIZ - 1) return err(ctx, `Interface name ${name} is too long - ignoring`);
        if (o) o.bindInterface = name;
      },
    },
    {
      name: 'connect_timeout',
      handler: (ctx) => {
        const t = ctx.num.timer(ctx.word(1), 1, UINT_MAX, true);
        if (t === undefined) return err(ctx, `connect_timeout ${ctx.word(1)} invalid - ignoring`);
        const o = co();
        if (o) o.connectTimeoutUs = t;
      },
    },
    {
      name: 'fwmark',
      handler: (ctx) => {
        const m = ctx.num.unsigned(ctx.word(1), 0, UINT_MAX, true);
        if (m === undefined) return err(ctx, `Invalid fwmark connection value '${ctx.word(1)}'`);
        const o = co();
        if (o) o.fwmark = m;
      },
    },
  ];
}

/** The `retry` keyword's handler, shared with HTTP's deprecated `nb_get_retry`. */
export function setRetry(c: CheckCtx, ctx: Ctx, invalidMessage: string): void {
  const r = ctx.num.unsigned(ctx.word(1), 0, UINT_MAX, true);
  if (r === undefined) return ctx.report(ConfigErr.GeneralError, invalidMessage);
  const k = c.checker();
  if (k) k.retry = r;
}

function timingKeywords(c: CheckCtx): Keyword[] {
  const set = <K extends 'delayBeforeRetryUs' | 'warmupUs' | 'delayLoopUs' | 'alpha' | 'logAllFailures'>(
    k: K,
    v: CheckerDraft[K],
  ): void => {
    const checker = c.checker();
    if (checker) checker[k] = v;
  };
  const timer = (ctx: Ctx, min: number, message: string): number | undefined => {
    const t = ctx.num.timer(ctx.word(1), min, 0, true);
    if (t === undefined) ctx.report(ConfigErr.GeneralError, message);
    return t;
  };
  return [
    { name: 'retry', handler: (ctx) => setRetry(c, ctx, `Invalid retry connection value '${ctx.word(1)}'`) },
    {
      name: 'delay_before_retry',
      handler: (ctx) => {
        const t = timer(ctx, 0, `Invalid delay_before_retry connection value '${ctx.word(1)}'`);
        if (t !== undefined) set('delayBeforeRetryUs', t);
      },
    },
    {
      name: 'warmup',
      handler: (ctx) => {
        const t = timer(ctx, 0, `Invalid warmup connection value '${ctx.word(1)}'`);
        if (t !== undefined) set('warmupUs', t);
      },
    },
    {
      name: 'delay_loop',
      handler: (ctx) => {
        const t = timer(ctx, 1, `delay_loop '${ctx.word(1)}' is invalid - ignoring`);
        if (t !== undefined) set('delayLoopUs', t);
      },
    },
    {
      name: 'alpha',
      handler: (ctx) => {
        const v = readAlpha(ctx);
        if (v !== undefined) set('alpha', v);
      },
    },
    {
      name: 'log_all_failures',
      handler: (ctx) => {
        const v = bool(ctx, 'log_all_failures');
        if (v !== undefined) set('logAllFailures', v);
      },
    },
  ];
}

/** install_checker_common_keywords. */
export function commonCheckerKeywords(c: CheckCtx, withConnection: boolean): Keyword[] {
  return [...(withConnection ? connectionKeywords(c) : []), ...timingKeywords(c)];
}

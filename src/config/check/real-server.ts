/** `real_server IP [PORT] { }` and its keywords (check_parser.c), with the checker blocks inside. */
import { ConfigErr } from '../diagnostics.js';
import { KeywordTable, type Ctx, type Keyword } from '../engine.js';
import { checkTrueFalse } from '../numbers.js';
import { parseScript } from '../scripts/index.js';
import { portGiven, readSockAddr } from './address.js';
import { readAlpha } from './checkers/common.js';
import { bfdCheckKeyword } from './checkers/bfd.js';
import { dnsCheckKeyword } from './checkers/dns.js';
import { fileCheckKeyword } from './checkers/file.js';
import { httpCheckKeyword } from './checkers/http.js';
import { miscCheckKeyword } from './checkers/misc.js';
import { smtpCheckKeyword } from './checkers/smtp.js';
import { pingCheckKeyword, tcpCheckKeyword } from './checkers/tcp-ping.js';
import { udpCheckKeyword } from './checkers/udp.js';
import type { CheckCtx } from './context.js';
import { newRsDraft, type RsDraft } from './draft.js';
import { readForwarding } from './forwarding.js';

export const WEIGHT_LIMIT = 2147483647;
const UINT_MAX = 4294967295;

/** How keepalived prints a virtual server's group name in some messages: `(null)` when it has none. */
export function groupNameOrNull(c: CheckCtx): string {
  const key = c.vs().key;
  return key.kind === 'group' ? key.group : '(null)';
}

function optionalFlag(ctx: Ctx, invalid: (w: string) => string): boolean | undefined {
  if (!ctx.has(1)) return true;
  const v = checkTrueFalse(ctx.words[1]!);
  if (v === undefined) ctx.report(ConfigErr.GeneralError, invalid(ctx.words[1]!));
  return v;
}

/** The timing keywords real servers and virtual servers share, with their own messages. */
export function serverTimingKeywords<T extends { retry?: number; delayBeforeRetryUs?: number; warmupUs?: number; connectTimeoutUs?: number; delayLoopUs?: number }>(
  target: () => T,
  who: 'real server' | 'virtual server',
): Keyword[] {
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const under = who === 'real server' ? 'delay_before_retry' : 'delay before retry';
  const loop = who === 'real server' ? 'delay_loop' : 'delay loop';
  return [
    {
      name: 'retry',
      handler: (ctx) => {
        const r = ctx.num.unsigned(ctx.word(1), 1, UINT_MAX);
        if (r === undefined) return err(ctx, `retry value invalid - ${ctx.word(1)}`);
        target().retry = r;
      },
    },
    {
      name: 'delay_before_retry',
      handler: (ctx) => {
        const t = ctx.num.timer(ctx.word(1), 0, 0, true);
        if (t === undefined) return err(ctx, `${who} ${under} '${ctx.word(1)}' invalid - ignoring`);
        target().delayBeforeRetryUs = t;
      },
    },
    {
      name: 'warmup',
      handler: (ctx) => {
        const t = ctx.num.timer(ctx.word(1), 0, 0, true);
        if (t === undefined) return err(ctx, `${who} warmup '${ctx.word(1)}' invalid - ignoring`);
        target().warmupUs = t;
      },
    },
    {
      name: 'connect_timeout',
      handler: (ctx) => {
        const t = ctx.num.timer(ctx.word(1), 1, UINT_MAX, true);
        if (t === undefined) return err(ctx, `${who} connect_timeout ${ctx.word(1)} invalid - ignoring`);
        target().connectTimeoutUs = t;
      },
    },
    {
      name: 'delay_loop',
      handler: (ctx) => {
        const t = ctx.num.timer(ctx.word(1), 1, 0, true);
        if (t === undefined) return err(ctx, `${who} ${loop} '${ctx.word(1)}' invalid - ignoring`);
        target().delayLoopUs = t;
      },
    },
  ];
}

function realServerKeywords(c: CheckCtx): Keyword[] {
  const rs = (): RsDraft => c.rs();
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const threshold = (which: 'u' | 'l') => (ctx: Ctx) => {
    const t = ctx.num.unsigned(ctx.word(1), 0, UINT_MAX, true);
    if (t === undefined) return err(ctx, `Invalid real_server ${which}threshold '${ctx.word(1)}' - ignoring`);
    rs()[which === 'u' ? 'upperThreshold' : 'lowerThreshold'] = t;
  };
  const notify = (which: 'notifyUp' | 'notifyDown', name: string) => (ctx: Ctx) => {
    const r = rs();
    if (r[which]) return err(ctx, `(${groupNameOrNull(c)}) ${name} script already specified - ignoring ${ctx.word(1)}`);
    r[which] = parseScript(ctx, c.env, c.global, 'notify');
  };
  return [
    {
      name: 'weight',
      handler: (ctx) => {
        const w = ctx.num.unsigned(ctx.word(1), 0, WEIGHT_LIMIT, true);
        if (w === undefined) return err(ctx, `Real server weight ${ctx.word(1)} is outside range 0-${WEIGHT_LIMIT}`);
        rs().weight = w;
      },
    },
    { name: 'lvs_method', handler: (ctx) => readForwarding(ctx, rs().forwarding, 'real') },
    { name: 'uthreshold', handler: threshold('u') },
    { name: 'lthreshold', handler: threshold('l') },
    {
      name: 'inhibit_on_failure',
      handler: (ctx) => {
        const v = optionalFlag(ctx, (w) => `Invalid inhibit_on_failure parameter ${w}`);
        if (v !== undefined) rs().inhibitOnFailure = v;
      },
    },
    { name: 'notify_up', handler: notify('notifyUp', 'notify_up') },
    { name: 'notify_down', handler: notify('notifyDown', 'notify_down') },
    {
      name: 'alpha',
      handler: (ctx) => {
        const v = readAlpha(ctx);
        if (v !== undefined) rs().alpha = v;
      },
    },
    ...serverTimingKeywords(rs, 'real server'),
    {
      name: 'smtp_alert',
      handler: (ctx) => {
        const v = optionalFlag(ctx, (w) => `Invalid real_server smtp_alert parameter ${w}`);
        if (v !== undefined) rs().smtpAlert = v;
      },
    },
    {
      name: 'virtualhost',
      handler: (ctx) => {
        if (!ctx.has(1)) return err(ctx, 'real server virtualhost missing');
        rs().virtualhost = ctx.words[1];
      },
    },
    {
      name: 'snmp_name',
      handler: (ctx) => {
        if (ctx.length !== 2) return err(ctx, 'real server snmp_name missing or extra parameters');
        rs().snmpName = ctx.words[1];
      },
    },
    miscCheckKeyword(c),
    smtpCheckKeyword(c),
    tcpCheckKeyword(c),
    pingCheckKeyword(c),
    udpCheckKeyword(c),
    httpCheckKeyword(c, 'HTTP_GET'),
    httpCheckKeyword(c, 'SSL_GET'),
    dnsCheckKeyword(c),
    fileCheckKeyword(c),
    bfdCheckKeyword(c),
  ];
}

export function realServerKeyword(c: CheckCtx): Keyword {
  return {
    name: 'real_server',
    handler: (ctx) => {
      const vs = c.vs();
      const ip = ctx.word(1);
      const port = ctx.words[2];
      const addr = readSockAddr(ctx, ip, portGiven(port) ? port : undefined);
      if (!addr) {
        ctx.report(ConfigErr.GeneralError, `Invalid real server ip address/port ${ip}/${port ?? '(null)'} - skipping`);
        ctx.skipBlock(true);
        return;
      }
      vs.realServers.push(newRsDraft(vs, addr, ctx.loc));
    },
    sub: new KeywordTable(realServerKeywords(c)),
    close: () => {
      // rs_end_handler: except for tunnelled servers, the families must agree
      const vs = c.vs();
      const r = vs.realServers[vs.realServers.length - 1];
      if (!r || r.forwarding.method === 'TUN') return;
      if (vs.family === undefined) vs.family = r.addr.family;
      else if (vs.family !== r.addr.family) {
        c.env.report(ConfigErr.GeneralError, `Address family of virtual server and real server ${r.addr.address} don't match - skipping real server.`);
        vs.realServers.pop();
      }
    },
  };
}

/** `sorry_server IP [PORT]`: forwarding and tunnel as the virtual server's so far, weight 1. */
export function sorryServerKeyword(c: CheckCtx): Keyword {
  return {
    name: 'sorry_server',
    handler: (ctx) => {
      const vs = c.vs();
      const ip = ctx.word(1);
      const port = ctx.words[2];
      const addr = readSockAddr(ctx, ip, portGiven(port) ? port : undefined);
      if (!addr) return ctx.report(ConfigErr.GeneralError, `Invalid sorry server IP address ${ip} - skipping`);
      vs.sorry = { addr, forwarding: { ...vs.forwarding }, inhibit: false };
    },
  };
}

/** `virtual_server IP PORT | fwmark N | group NAME { }` (check_parser.c). */
import { parseIPv4 } from '../../base/inet.js';
import { ConfigErr } from '../diagnostics.js';
import { KeywordTable, type Ctx, type Keyword } from '../engine.js';
import { checkTrueFalse } from '../numbers.js';
import { parseScript } from '../scripts/index.js';
import { portGiven, readSockAddr } from './address.js';
import type { CheckCtx } from './context.js';
import { newVsDraft, type VsDraft } from './draft.js';
import { readForwarding } from './forwarding.js';
import { SVC_FLAG } from './model.js';
import { WEIGHT_LIMIT, groupNameOrNull, realServerKeyword, serverTimingKeywords, sorryServerKeyword } from './real-server.js';

const UINT_MAX = 4294967295;
const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'];
/** IPVS_SVC_PERSISTENT_TIMEOUT */
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;
const MAX_PERSISTENCE_TIMEOUT = 86400 * 31;
const PE_NAME_MAX = 15;

/**
 * getaddrinfo(AI_NUMERICHOST, AF_INET) accepts inet_aton's forms: 1 to 4
 * parts, each decimal, octal (0…) or hex (0x…), the last filling the rest.
 */
function inetAton(s: string): string | undefined {
  const strict = parseIPv4(s);
  if (strict) return strict.join('.');
  const parts = s.split('.');
  if (parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    const m = /^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9]\d*)$/.exec(p);
    if (!m) return undefined;
    nums.push(p.length > 1 && (p[1] === 'x' || p[1] === 'X') ? parseInt(p.slice(2) || '0', 16) : p[0] === '0' ? parseInt(p, 8) : Number(p));
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return undefined;
  const value = nums.reduce((acc, n, i) => acc + n * 2 ** (8 * (3 - i)), 0) + last;
  return [24, 16, 8, 0].map((sh) => Math.floor(value / 2 ** sh) % 256).join('.');
}

function flagKeywords(c: CheckCtx): Keyword[] {
  const flag = (name: string): Keyword => ({
    name,
    handler: (ctx) => {
      const vs = c.vs();
      if (name === 'ops') vs.flags |= SVC_FLAG.onePacket;
      else if (name === 'flag-1') vs.flags |= SVC_FLAG.sched1;
      else if (name === 'flag-2') vs.flags |= SVC_FLAG.sched2;
      else if (name === 'flag-3') vs.flags |= SVC_FLAG.sched3;
      // the sh-/mh- names only act with their scheduler (set earlier); `hashed` never does
      else if (vs.scheduler === 'sh' || vs.scheduler === 'mh') {
        if (name === `${vs.scheduler}-port`) vs.flags |= SVC_FLAG.sched2;
        if (name === `${vs.scheduler}-fallback`) vs.flags |= SVC_FLAG.sched1;
      } else ctx.report(ConfigErr.GeneralError, `${name} only applies to sh scheduler - ignoring`);
    },
  });
  return ['hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'].map(flag);
}

function virtualServerKeywords(c: CheckCtx): Keyword[] {
  const vs = (): VsDraft => c.vs();
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const set = (apply: (v: VsDraft) => void): void => apply(vs());
  const quorumScript = (which: 'quorumUp' | 'quorumDown', name: string) => (ctx: Ctx) => {
    const v = vs();
    if (v[which]) return err(ctx, `(${groupNameOrNull(c)}) ${name} script already specified - ignoring ${ctx.word(1)}`);
    v[which] = parseScript(ctx, c.env, c.global, 'quorum');
  };
  const scheduler = (ctx: Ctx): void => {
    const s = ctx.word(1);
    if (!SCHEDULERS.includes(s)) return err(ctx, `Invalid lvs_scheduler '${s}' - ignoring`);
    vs().scheduler = s;
  };
  const forwarding = (ctx: Ctx): void => readForwarding(ctx, vs().forwarding, 'virtual');
  return [
    {
      name: 'ip_family',
      handler: (ctx) => {
        const w = ctx.word(1);
        const af = w === 'inet' ? 'inet' : w === 'inet6' ? 'inet6' : undefined;
        if (!af) return err(ctx, `unknown address family ${w}`);
        const v = vs();
        if (v.family !== undefined && v.family !== af) return err(ctx, `Virtual server specified family ${w} conflicts with server family`);
        v.family = af;
      },
    },
    ...serverTimingKeywords(vs, 'virtual server'),
    { name: 'inhibit_on_failure', handler: () => set((v) => (v.inhibitOnFailure = true)) },
    { name: 'lb_algo', handler: scheduler },
    { name: 'lvs_sched', handler: scheduler },
    ...flagKeywords(c),
    { name: 'lb_kind', handler: forwarding },
    { name: 'lvs_method', handler: forwarding },
    {
      name: 'persistence_engine',
      handler: (ctx) => {
        const name = ctx.word(1);
        if (name.length > PE_NAME_MAX) err(ctx, `persistence_name too long, truncating - ${name}`);
        vs().persistenceEngine = name.slice(0, PE_NAME_MAX);
      },
    },
    {
      name: 'persistence_timeout',
      handler: (ctx) => {
        if (!ctx.has(1)) return set((v) => (v.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT));
        const t = ctx.num.unsigned(ctx.words[1]!, 1, MAX_PERSISTENCE_TIMEOUT);
        if (t === undefined) return err(ctx, 'persistence_timeout invalid');
        vs().persistenceTimeout = t;
      },
    },
    {
      name: 'persistence_granularity',
      handler: (ctx) => {
        const v = vs();
        const w = ctx.word(1);
        const af = v.family ?? (w.includes('.') ? 'inet' : 'inet6');
        if (af === 'inet6') {
          const p = ctx.num.unsigned(w, 1, 128);
          if (p === undefined) return err(ctx, `Invalid IPv6 persistence_granularity specified - ${w}`);
          v.persistenceGranularity = p;
        } else {
          const mask = inetAton(w);
          if (mask === undefined) return err(ctx, `Invalid IPv4 persistence_granularity specified - ${w}`);
          v.persistenceGranularity = mask;
        }
        v.family ??= af;
        if (!v.persistenceTimeout) v.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT;
      },
    },
    {
      name: 'protocol',
      handler: (ctx) => {
        const p = ctx.word(1).toLowerCase();
        if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') return err(ctx, `Unknown protocol ${ctx.word(1)} - ignoring`);
        vs().protocol = p;
      },
    },
    { name: 'ha_suspend', handler: () => set((v) => (v.haSuspend = true)) },
    {
      name: 'smtp_alert',
      handler: (ctx) => {
        let v: boolean | undefined = true;
        if (ctx.has(1)) {
          v = checkTrueFalse(ctx.words[1]!);
          if (v === undefined) return err(ctx, `Invalid virtual_server smtp_alert parameter ${ctx.words[1]}`);
        }
        vs().smtpAlert = v;
      },
    },
    {
      name: 'virtualhost',
      handler: (ctx) => {
        if (!ctx.has(1)) return err(ctx, 'virtual server virtualhost missing');
        vs().virtualhost = ctx.words[1];
      },
    },
    {
      name: 'snmp_name',
      handler: (ctx) => {
        if (ctx.length !== 2) return err(ctx, 'virtual server snmp_name missing or extra parameters');
        vs().snmpName = ctx.words[1];
      },
    },
    { name: 'alpha', handler: () => set((v) => (v.alpha = true)) },
    { name: 'omega', handler: () => set((v) => (v.omega = true)) },
    { name: 'quorum_up', handler: quorumScript('quorumUp', 'quorum_up') },
    { name: 'quorum_down', handler: quorumScript('quorumDown', 'quorum_down') },
    {
      name: 'quorum',
      handler: (ctx) => {
        let q = ctx.num.unsigned(ctx.word(1), 1, UINT_MAX, true);
        if (q === undefined) {
          err(ctx, `Quorum ${ctx.word(1)} must be in [1, ${UINT_MAX}]. Setting to 1.`);
          q = 1;
        }
        vs().quorum = q;
      },
    },
    {
      name: 'hysteresis',
      handler: (ctx) => {
        const h = ctx.num.unsigned(ctx.word(1), 0, UINT_MAX, true);
        if (h === undefined) return err(ctx, `Hysteresis ${ctx.word(1)} must be in [0, ${UINT_MAX}] - ignoring`);
        vs().hysteresis = h;
      },
    },
    {
      name: 'weight',
      handler: (ctx) => {
        const w = ctx.num.unsigned(ctx.word(1), 1, WEIGHT_LIMIT, true);
        if (w === undefined) return err(ctx, `Virtual server weight ${ctx.word(1)} is outside range 1-${WEIGHT_LIMIT}`);
        vs().weight = w;
      },
    },
    sorryServerKeyword(c),
    {
      name: 'sorry_server_inhibit',
      handler: (ctx) => {
        const s = vs().sorry;
        if (s) s.inhibit = true;
        else err(ctx, 'Ignoring sorry_server inhibit used before or without sorry_server');
      },
    },
    {
      name: 'sorry_server_lvs_method',
      handler: (ctx) => {
        const s = vs().sorry;
        if (s) readForwarding(ctx, s.forwarding, 'sorry');
        else err(ctx, 'sorry_server forwarding used without sorry_server');
      },
    },
    realServerKeyword(c),
  ];
}

/** vs_end_handler: settle the address family from the sorry and real servers. */
function closeVirtualServer(c: CheckCtx): void {
  const vs = c.state.virtualServers[c.state.virtualServers.length - 1];
  if (!vs) return;
  const s = vs.sorry;
  if (s && s.forwarding.method !== 'TUN') {
    if (vs.family === undefined) vs.family = s.addr.family;
    else if (vs.family !== s.addr.family) {
      c.env.report(ConfigErr.GeneralError, `Address family of virtual server and sorry server ${s.addr.address} don't match - skipping sorry server.`);
      vs.sorry = undefined;
    }
  }
  if (vs.family === undefined && vs.key.kind !== 'group') {
    // only fwmark services whose servers are all tunnelled get here
    const families = new Set([...(vs.sorry ? [vs.sorry.addr.family] : []), ...vs.realServers.map((r) => r.addr.family)]);
    vs.family = families.size === 1 ? [...families][0] : 'inet';
  }
}

export function virtualServerKeyword(c: CheckCtx): Keyword {
  return {
    name: 'virtual_server',
    handler: (ctx) => {
      const p1 = ctx.word(1);
      if (p1 === 'group') {
        c.state.virtualServers.push(newVsDraft({ kind: 'group', group: ctx.word(2) }, ctx.loc));
      } else if (p1 === 'fwmark') {
        const m = ctx.num.unsigned(ctx.word(2), 0, UINT_MAX, true);
        if (m === undefined) {
          err(ctx, `virtual server fwmark '${ctx.word(2)}' must be in [0, ${UINT_MAX}] - ignoring`);
          return ctx.skipBlock(true);
        }
        c.state.virtualServers.push(newVsDraft({ kind: 'fwmark', fwmark: m }, ctx.loc));
      } else {
        const p2 = ctx.words[2];
        const port = portGiven(p2) ? p2 : undefined;
        const addr = readSockAddr(ctx, p1, port);
        if (!addr) {
          err(ctx, `Invalid virtual server IP address${port !== undefined ? '/port' : ''} ${p1}${port !== undefined ? `/${port}` : ''} - skipping`);
          return ctx.skipBlock(true);
        }
        c.state.virtualServers.push(newVsDraft({ kind: 'address', addr }, ctx.loc));
      }
    },
    sub: new KeywordTable(virtualServerKeywords(c)),
    close: () => closeVirtualServer(c),
  };
}

function err(ctx: Ctx, m: string): void {
  ctx.report(ConfigErr.GeneralError, m);
}

/** The checker/IPVS settings of global_defs (lvs_*, netlink buffers, checker notifies). */
import { isMulticast } from '../../base/inet.js';
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import { formatInet, parseSockAddress } from '../sockaddr.js';
import type { GlobalDraft, LvsSyncDaemon, LvsTimeouts, Mutable, NetlinkBufs } from './model.js';
import { flag, globalBool } from './flags.js';

const LVS_MAX_TIMEOUT = 86400 * 31;
const IP_VS_IFNAME_MAXLEN = 16;
const UINT_MAX = 4294967295;

function lvsTimeouts(ctx: Ctx, t: Mutable<LvsTimeouts>): void {
  if (ctx.length < 3) return ctx.report(ConfigErr.GeneralError, 'lvs_timeouts requires at least one option');
  const fields = { tcp: 'tcp', tcpfin: 'tcpFin', udp: 'udp' } as const;
  for (let i = 1; i < ctx.length; i++) {
    const opt = ctx.words[i]!;
    if (!(opt in fields)) {
      ctx.report(ConfigErr.GeneralError, `Unknown option ${opt} specified for lvs_timeouts`);
      continue;
    }
    if (i === ctx.length - 1) {
      ctx.report(ConfigErr.GeneralError, `No value specified for lvs_timeout ${opt} - ignoring`);
      continue;
    }
    const v = ctx.num.unsigned(ctx.words[i + 1]!, 0, LVS_MAX_TIMEOUT);
    if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid lvs_timeout ${opt} (${ctx.words[i + 1]}) - ignoring`);
    else t[fields[opt as keyof typeof fields]] = v;
    i++;
  }
}

/** `lvs_sync_daemon IF [inst] VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group IP]` (and the old `IF INST SYNCID`). */
function lvsSyncDaemon(ctx: Ctx, g: GlobalDraft): void {
  if (g.lvsSyncDaemon) {
    return ctx.report(ConfigErr.GeneralError, `lvs_sync_daemon has already been specified as ${g.lvsSyncDaemon.interface} ${g.lvsSyncDaemon.vrrpInstance ?? ''} - ignoring`);
  }
  if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'lvs_sync_daemon requires interface');
  const ifname = ctx.words[1]!;
  if (ifname.length >= IP_VS_IFNAME_MAXLEN) return ctx.report(ConfigErr.GeneralError, `lvs_sync_daemon interface name '${ifname}' too long - ignoring`);
  const d: Mutable<LvsSyncDaemon> = { interface: ifname, loc: ctx.loc };
  g.lvsSyncDaemon = d;
  const numeric = (i: number, min: number, max: number, invalid: string, missing: string): number | undefined => {
    if (i === ctx.length - 1) {
      ctx.report(ConfigErr.GeneralError, missing);
      return undefined;
    }
    const v = ctx.num.unsigned(ctx.words[i + 1]!, min, max);
    if (v === undefined) ctx.report(ConfigErr.GeneralError, invalid.replace('%s', ctx.words[i + 1]!));
    return v;
  };
  for (let i = 2; i < ctx.length; i++) {
    const opt = ctx.words[i]!;
    switch (opt) {
      case 'inst': {
        const name = ctx.word(i + 1);
        if (d.vrrpInstance !== undefined) ctx.report(ConfigErr.GeneralError, `lvs_sync_daemon vrrp instance has already been specified as ${d.vrrpInstance} - ignoring`);
        else d.vrrpInstance = name;
        i++;
        continue;
      }
      case 'id': {
        const last = i === ctx.length - 1;
        const v = numeric(i, 0, 255, 'Invalid syncid (%s) - defaulting to vrid', 'No value specified for lvs_sync_daemon id, defaulting to vrid');
        if (v !== undefined) d.syncId = v;
        if (!last) i++;
        continue;
      }
      case 'maxlen':
      case 'port':
      case 'ttl': {
        const max = opt === 'maxlen' ? 65535 - 20 - 8 : opt === 'port' ? 65535 : 255;
        const last = i === ctx.length - 1;
        const v = numeric(i, 1, max, `Invalid lvs_sync_daemon ${opt} (%s) - ignoring`, `No value specified for lvs_sync_daemon ${opt} - ignoring`);
        if (v !== undefined) d[opt] = v;
        if (!last) i++;
        continue;
      }
      case 'group': {
        if (i === ctx.length - 1) {
          ctx.report(ConfigErr.GeneralError, 'No value specified for lvs_sync_daemon group - ignoring');
          continue;
        }
        const addr = ctx.words[i + 1]!;
        const a = parseSockAddress(addr);
        if (!a) ctx.report(ConfigErr.GeneralError, `Invalid lvs_sync_daemon group (${addr}) - ignoring`);
        else if (!isMulticast(a.family, a.bytes)) ctx.report(ConfigErr.GeneralError, `lvs_sync_daemon group address ${addr} is not multicast - ignoring`);
        else d.group = formatInet(a);
        i++;
        continue;
      }
    }
    // The pre-2.0 form: IF VRRP_INSTANCE [SYNC_ID].
    if (i === 2) {
      d.vrrpInstance = opt;
      continue;
    }
    if (i === 3) {
      const v = ctx.num.unsigned(opt, 0, 255);
      if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid syncid (${opt}) - defaulting to vrid`);
      else {
        ctx.report(ConfigErr.GeneralError, 'Please use keyword "id" before lvs_sync_daemon SYNCID');
        d.syncId = v;
      }
      continue;
    }
    ctx.report(ConfigErr.GeneralError, `Unknown option ${opt} specified for lvs_sync_daemon`);
  }
}

/** `*_rcv_bufs SIZE` and `*_rcv_bufs_force [BOOL]`. */
function netlinkBufs(prefix: string, b: Mutable<NetlinkBufs>): Keyword[] {
  return [
    {
      name: `${prefix}_rcv_bufs`,
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `${prefix}_rcv_bufs size missing`);
        const v = ctx.num.unsigned(ctx.words[1]!, 0, UINT_MAX);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `${prefix}_rcv_bufs size (${ctx.words[1]}) invalid`);
        else if (v) b.size = v;
      },
    },
    globalBool(`${prefix}_rcv_bufs_force`, (v) => (b.force = v)),
  ];
}

export function lvsKeywords(g: GlobalDraft): Keyword[] {
  return [
    { name: 'lvs_timeouts', handler: (ctx) => lvsTimeouts(ctx, g.lvsTimeouts) },
    flag('lvs_flush', () => (g.lvsFlush = true)),
    ...['lvs_flush_on_stop', 'lvs_flush_onstop'].map(
      (name): Keyword => ({
        name,
        handler: (ctx) => {
          if (!ctx.has(1)) g.lvsFlushOnStop = 'full';
          else if (ctx.words[1] === 'VS') g.lvsFlushOnStop = 'vs';
          else ctx.report(ConfigErr.GeneralError, `Unknown lvs_flush_on_stop type ${ctx.words[1]}`);
        },
      }),
    ),
    { name: 'lvs_sync_daemon', handler: (ctx) => lvsSyncDaemon(ctx, g) },
    ...netlinkBufs('vrrp_netlink_cmd', g.vrrpNetlinkCmdRcvBufs),
    ...netlinkBufs('vrrp_netlink_monitor', g.vrrpNetlinkMonitorRcvBufs),
    ...netlinkBufs('process_monitor', g.processMonitorRcvBufs),
    ...netlinkBufs('lvs_netlink_cmd', g.lvsNetlinkCmdRcvBufs),
    ...netlinkBufs('lvs_netlink_monitor', g.lvsNetlinkMonitorRcvBufs),
    globalBool('rs_init_notifies', (v) => (g.rsInitNotifies = v)),
  ];
}

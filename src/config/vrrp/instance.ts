/** vrrp_instance NAME { … }: every keyword keepalived 2.2.7 accepts there, with its texts. */
import { isLinkLocalMulticast6, isMulticast } from '../../base/inet.js';
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import { TIMER_HZ, checkTrueFalse } from '../numbers.js';
import { parseScript, type Script } from '../scripts/index.js';
import { formatInet, parseSockAddress } from '../sockaddr.js';
import { blockTable, type VrrpContext } from './context.js';
import { VRRP_PRIO_DFL, VRRP_PRIO_OWNER, type InstanceDraft } from './model.js';
import { parseAddressLine } from './address.js';
import { parseRouteLine } from './route.js';
import { parseRuleLine, type RulePriorities } from './rule.js';
import { addTracked, type TrackKind } from './track.js';
import { useIpvlan, useVmac } from './vmac.js';

const IFNAMSIZ = 16;
const UINT_MAX = 0xffffffff;
const INT_MAX = 0x7fffffff;
const TIMER_MAX_SEC = 1000;

/** A fresh instance with keepalived's alloc_vrrp defaults (globals fill in the garp settings). */
export function newInstance(c: VrrpContext, name: string, ctx: Ctx): InstanceDraft {
  const g = c.g;
  return {
    name,
    loc: ctx.loc,
    state: 'BACKUP',
    stateGiven: false,
    vrid: 0,
    priority: VRRP_PRIO_DFL,
    priorityGiven: false,
    advertInt: TIMER_HZ,
    version: g.vrrpVersion,
    family: 'inet',
    vips: [],
    evips: [],
    vroutes: [],
    vrules: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    trackBfds: [],
    dontTrackPrimary: false,
    unicastPeers: [],
    unicastConfigured: false,
    unicast: false,
    unicastFaultNoPeer: false,
    checkUnicastSrc: false,
    trackSrcIp: false,
    nopreempt: false,
    preemptDelay: 0,
    skipCheckAdvAddr: g.vrrpSkipCheckAdvAddr,
    debug: 0,
    notifyDeletedGiven: false,
    garpMasterDelay: g.vrrpGarpMasterDelay,
    garpMasterRepeat: g.vrrpGarpMasterRepeat,
    garpMasterRefresh: g.vrrpGarpMasterRefresh,
    garpMasterRefreshRepeat: g.vrrpGarpMasterRefreshRepeat,
    garpExtraIfAll: false,
    downTimerAdverts: g.vrrpDownTimerAdverts,
    useVmacAddr: false,
    vmacXmitBase: false,
    promoteSecondaries: false,
    linkbeatUsePolling: false,
    nativeIpv6: false,
  };
}

type NotifyField = 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify' | 'notifyMasterRxLowerPri';
type TrackField = 'trackInterfaces' | 'trackScripts' | 'trackFiles' | 'trackProcesses' | 'trackBfds';

export function instanceRoot(c: VrrpContext, rulePriorities: RulePriorities): Keyword {
  let cur: InstanceDraft | undefined;
  /** The instance being read; handlers only run inside its block. */
  const v = (): InstanceDraft => cur!;
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const flag = (name: string, set: (i: InstanceDraft) => void): Keyword => ({ name, handler: () => set(v()) });

  /** `keyword [BOOL]` where a bad value is reported with keepalived's per-keyword text. */
  const optionalBool = (ctx: Ctx, bad: (word: string) => string): boolean | undefined => {
    if (!ctx.has(1)) return true;
    const b = checkTrueFalse(ctx.word(1));
    if (b === undefined) err(ctx, bad(ctx.word(1)));
    return b;
  };

  const notify = (name: string, field: NotifyField): Keyword => ({
    name,
    handler: (ctx) => {
      const i = v();
      if (i[field]) {
        err(ctx, `(${i.name}) ${name} script already specified - ignoring ${ctx.word(1)}`);
        return;
      }
      const script: Script | undefined = parseScript(ctx, c.env, c.g, 'notify');
      if (script) i[field] = script;
    },
  });

  const track = (name: string, kind: TrackKind, field: TrackField): Keyword => ({
    name,
    handler: (ctx) => ctx.valueBlock((words, lineCtx) => addTracked(c, lineCtx, words, kind, v().name, v()[field])),
  });

  /** Unsigned with keepalived's ignore_error, reporting `message` when rejected. */
  const unsigned = (ctx: Ctx, min: number, max: number, message: (i: InstanceDraft, word: string) => string): number | undefined => {
    const n = ctx.num.unsigned(ctx.word(1), min, max, true);
    if (n === undefined) err(ctx, message(v(), ctx.word(1)));
    return n;
  };

  const srcIp = (ctx: Ctx): void => {
    const i = v();
    const word = ctx.word(1);
    const a = parseSockAddress(word);
    if (!a) {
      err(ctx, `Configuration error: VRRP instance[${i.name}] malformed src address[${word}]. Skipping...`);
      return;
    }
    if (i.familyGiven === undefined) i.familyGiven = a.family;
    else if (a.family !== i.familyGiven) {
      err(ctx, `Configuration error: VRRP instance[${i.name}] and src address[${word}] MUST be of the same family !!! Skipping...`);
      delete i.srcIp;
      return;
    }
    i.srcIp = formatInet(a);
  };

  const garpExtraIf = (ctx: Ctx): void => {
    const i = v();
    const cmd = ctx.word(0);
    if (cmd === 'vmac_garp_intvl') ctx.report(ConfigErr.Deprecated, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"');
    let delay: number | undefined;
    for (let k = 1; k < ctx.length; k++) {
      const word = ctx.word(k);
      if (word === 'all') i.garpExtraIfAll = true;
      else {
        const n = ctx.num.unsigned(word, 0, 86400, true);
        if (n === undefined) {
          err(ctx, `(${i.name}): ${cmd} '${word}' invalid - ignoring`);
          return;
        }
        delay = n;
      }
    }
    if (delay === undefined) {
      err(ctx, `(${i.name}): ${cmd} specified without time - ignoring`);
      return;
    }
    i.garpExtraIf = delay;
  };

  const auth = blockTable(() => cur !== undefined, [
    {
      name: 'auth_type',
      handler: (ctx) => {
        const t = ctx.word(1);
        if (t === 'AH' || t === 'PASS') v().authTypeGiven = t;
        else err(ctx, `(${v().name}) unknown authentication type '${t}'`);
      },
    },
    {
      name: 'auth_pass',
      handler: (ctx) => {
        let pass = ctx.word(1);
        if (Buffer.byteLength(pass) > 8) {
          ctx.report(ConfigErr.GeneralError, 'Truncating auth_pass to 8 characters');
          pass = Buffer.from(pass).subarray(0, 8).toString('latin1');
        }
        v().authPass = pass;
      },
    },
  ]);

  const sub = blockTable(() => cur !== undefined, [
    { name: 'use_vmac', handler: (ctx) => useVmac(c, ctx, v()) },
    flag('use_vmac_addr', (i) => (i.useVmacAddr = true)),
    flag('vmac_xmit_base', (i) => (i.vmacXmitBase = true)),
    { name: 'use_ipvlan', handler: (ctx) => useIpvlan(c, ctx, v()) },
    {
      name: 'unicast_peer',
      handler: (ctx) => {
        v().unicastConfigured = true;
        ctx.valueBlock((words, lineCtx) => unicastPeer(lineCtx, words));
      },
    },
    flag('unicast_fault_no_peer', (i) => ((i.unicastConfigured = true), (i.unicastFaultNoPeer = true))),
    flag('check_unicast_src', (i) => ((i.unicastConfigured = true), (i.checkUnicastSrc = true))),
    {
      name: 'old_unicast_checksum',
      handler: (ctx) => {
        const i = v();
        i.unicastConfigured = true;
        if (!ctx.has(1)) i.oldUnicastChecksum = 'config';
        else if (ctx.word(1) === 'never') i.oldUnicastChecksum = 'never';
        else err(ctx, `(${i.name}) Unknown old_unicast_chksum mode ${ctx.word(1)} - ignoring`);
      },
    },
    {
      name: 'native_ipv6',
      handler: (ctx) => {
        const i = v();
        if (i.familyGiven === 'inet') {
          err(ctx, `(${i.name}) Cannot specify native_ipv6 with IPv4 addresses`);
          return;
        }
        i.familyGiven = 'inet6';
        i.versionGiven = 3;
        i.nativeIpv6 = true;
      },
    },
    {
      name: 'state',
      handler: (ctx) => {
        const i = v();
        const s = ctx.word(1);
        if (s === 'MASTER') i.state = 'MASTER';
        else if (s === 'BACKUP') {
          if (i.stateGiven && i.state === 'MASTER') err(ctx, `(${i.name}) state previously set as MASTER - ignoring BACKUP`);
          else i.state = 'BACKUP';
        } else {
          err(ctx, `(${i.name}) unknown state '${s}', defaulting to BACKUP`);
          i.state = 'BACKUP';
        }
        i.stateGiven = true;
      },
    },
    {
      name: 'interface',
      handler: (ctx) => {
        const i = v();
        const name = ctx.word(1);
        if (name.length >= IFNAMSIZ) {
          err(ctx, `Interface name '${name}' too long - ignoring`);
          return;
        }
        delete i.interface;
        i.interfaceLoc = ctx.loc;
        if (!c.interfaceUsable(name)) {
          err(ctx, `WARNING - interface ${name} for vrrp_instance ${i.name} doesn't exist`);
          return;
        }
        if (name === 'lo') {
          err(ctx, `(${i.name}) cannot use a loopback interface (${name}) for vrrp - ignoring`);
          return;
        }
        i.interface = name;
      },
    },
    {
      name: 'vrf',
      handler: (ctx) => {
        const i = v();
        const name = ctx.word(1);
        if (name.length >= IFNAMSIZ) err(ctx, `(${i.name}) VRF interface name '${name}' too long - ignoring`);
        else if (i.interface !== undefined) err(ctx, `(${i.name}) Cannot specify VRF interface and interface - ignoring`);
        else if (i.vrf !== undefined) err(ctx, `(${i.name}) VRF interface already specified as '${i.vrf}' - ignoring`);
        else if (!c.interfaceUsable(name)) err(ctx, `(${i.name}) WARNING - VRF interface ${name} doesn't exist`);
        else if (name === 'lo') err(ctx, `(${i.name}) cannot use a loopback interface (${name}) for VRF - ignoring`);
        else i.vrf = name;
      },
    },
    flag('dont_track_primary', (i) => (i.dontTrackPrimary = true)),
    track('track_interface', 'interface', 'trackInterfaces'),
    track('track_script', 'script', 'trackScripts'),
    track('track_file', 'file', 'trackFiles'),
    track('track_process', 'process', 'trackProcesses'),
    track('track_bfd', 'bfd', 'trackBfds'),
    { name: 'mcast_src_ip', handler: srcIp },
    {
      name: 'unicast_src_ip',
      handler: (ctx) => {
        v().unicastConfigured = true;
        srcIp(ctx);
      },
    },
    {
      name: 'mcast_dst_ip',
      handler: (ctx) => {
        const i = v();
        const word = ctx.word(1);
        const a = parseSockAddress(word);
        if (!a) {
          err(ctx, `(${i.name}) malformed mcast dest address ${word}. Skipping...`);
          return;
        }
        if (i.familyGiven === undefined) i.familyGiven = a.family;
        else if (a.family !== i.familyGiven) {
          err(ctx, `(${i.name}) mcast dest address ${word} MUST match VRRP instance family. Skipping...`);
          delete i.mcastDstIp;
          return;
        }
        if (a.family === 'inet' ? !isMulticast('inet', a.bytes) : !isLinkLocalMulticast6(a.bytes)) {
          err(ctx, `(${i.name}) mcast_dst_ip ${word} not${a.family === 'inet6' ? ' link-local' : ''} multicast. Skipping...`);
          delete i.mcastDstIp;
          return;
        }
        i.mcastDstIp = formatInet(a);
      },
    },
    flag('track_src_ip', (i) => (i.trackSrcIp = true)),
    {
      name: 'virtual_router_id',
      handler: (ctx) => {
        const i = v();
        const n = ctx.num.unsigned(ctx.word(1), 1, 255, false);
        if (n === undefined) err(ctx, `(${i.name}): VRID '${ctx.word(1)}' not valid - must be between 1 & 255`);
        else i.vrid = n;
      },
    },
    {
      name: 'unicast_ttl',
      handler: (ctx) => {
        const i = v();
        const n = ctx.num.unsigned(ctx.word(1), 0, 255, false);
        if (n === undefined) err(ctx, `(${i.name}): TTL '${ctx.word(1)}' not valid - must be between 0 & 255`);
        else i.unicastTtl = n;
      },
    },
    {
      name: 'version',
      handler: (ctx) => {
        const i = v();
        const n = ctx.num.int(ctx.word(1), 2, 3, true);
        if (n === undefined) {
          err(ctx, `(${i.name}): Version must be either 2 or 3`);
          return;
        }
        if ((i.versionGiven !== undefined && i.versionGiven !== n) || (n === 2 && i.familyGiven === 'inet6')) {
          err(ctx, `(${i.name}) vrrp_version ${n} conflicts with configured or deduced version ${i.versionGiven ?? 0}; ignoring.`);
          return;
        }
        i.versionGiven = n as 2 | 3;
      },
    },
    {
      name: 'priority',
      handler: (ctx) => {
        const i = v();
        const n = ctx.num.unsigned(ctx.word(1), 1, VRRP_PRIO_OWNER, false);
        if (n === undefined) err(ctx, `(${i.name}) Priority not valid! must be between 1 & ${VRRP_PRIO_OWNER}. Using default ${VRRP_PRIO_DFL}`);
        i.priority = n ?? VRRP_PRIO_DFL;
        i.priorityGiven = true;
      },
    },
    {
      name: 'advert_int',
      handler: (ctx) => {
        const i = v();
        const n = ctx.num.decimal(ctx.word(1), TIMER_HZ / 100, 255 * TIMER_HZ, 6, true);
        if (n === undefined || n <= 0) err(ctx, `(${i.name}) Advert interval (${ctx.word(1)}) not valid! Must be > 0 - ignoring`);
        else i.advertInt = n;
      },
    },
    {
      name: 'virtual_ipaddress',
      handler: (ctx) =>
        ctx.valueBlock((words, lineCtx) => {
          const i = v();
          const a = parseAddressLine(c, lineCtx, words, false);
          if (!a) return;
          if (i.familyGiven === undefined) i.familyGiven = a.family;
          else if (a.family !== i.familyGiven) {
            lineCtx.report(ConfigErr.GeneralError, `(${i.name}): address family must match VRRP instance [${words[0]}] - ignoring`);
            return;
          }
          i.vips.push(a);
        }),
    },
    {
      name: 'virtual_ipaddress_excluded',
      handler: (ctx) =>
        ctx.valueBlock((words, lineCtx) => {
          const a = parseAddressLine(c, lineCtx, words, false);
          if (a) v().evips.push(a);
        }),
    },
    flag('promote_secondaries', (i) => (i.promoteSecondaries = true)),
    {
      name: 'linkbeat_use_polling',
      handler: (ctx) => {
        v().linkbeatUsePolling = true;
        err(ctx, `(${v().name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`);
      },
    },
    {
      name: 'virtual_routes',
      handler: (ctx) =>
        ctx.valueBlock((words, lineCtx) => {
          const r = parseRouteLine(c, lineCtx, words, false);
          if (r) v().vroutes.push(r);
        }),
    },
    {
      name: 'virtual_rules',
      handler: (ctx) =>
        ctx.valueBlock((words, lineCtx) => {
          const r = parseRuleLine(c, lineCtx, words, false, rulePriorities);
          if (r) v().vrules.push(r);
        }),
    },
    flag('accept', (i) => (i.accept = true)),
    flag('no_accept', (i) => (i.accept = false)),
    {
      name: 'skip_check_adv_addr',
      handler: (ctx) => {
        // keepalived sets it for any valid boolean, even "off"
        if (optionalBool(ctx, (w) => `(${v().name}) invalid skip_check_adv_addr ${w} specified`) !== undefined) v().skipCheckAdvAddr = true;
      },
    },
    {
      name: 'strict_mode',
      handler: (ctx) => {
        const b = optionalBool(ctx, (w) => `(${v().name}) invalid strict_mode ${w} specified`);
        if (b !== undefined) v().strictMode = b;
      },
    },
    flag('preempt', (i) => (i.nopreempt = false)),
    flag('nopreempt', (i) => (i.nopreempt = true)),
    {
      name: 'preempt_delay',
      handler: (ctx) => {
        const i = v();
        const n = ctx.num.decimal(ctx.word(1), 0, TIMER_MAX_SEC * TIMER_HZ, 6, true);
        if (n === undefined) err(ctx, `(${i.name}) Preempt_delay not valid! must be between 0-${TIMER_MAX_SEC}`);
        i.preemptDelay = n ?? 0;
      },
    },
    {
      name: 'debug',
      handler: (ctx) => {
        const n = ctx.num.unsigned(ctx.word(1), 0, 4, true);
        if (n === undefined) err(ctx, `(${v().name}) Debug value '${ctx.word(1)}' not valid; must be between 0-4`);
        else v().debug = n;
      },
    },
    notify('notify_backup', 'notifyBackup'),
    notify('notify_master', 'notifyMaster'),
    notify('notify_fault', 'notifyFault'),
    notify('notify_stop', 'notifyStop'),
    {
      name: 'notify_deleted',
      handler: (ctx) => {
        const i = v();
        if (i.notifyDeletedGiven) {
          err(ctx, `(${i.name}) notify_deleted already specified - ignoring ${ctx.has(1) ? ctx.word(1) : ''}`);
          return;
        }
        if (ctx.has(1)) {
          const script = parseScript(ctx, c.env, c.g, 'notify');
          if (script) i.notifyDeleted = script;
        }
        i.notifyDeletedGiven = true;
      },
    },
    notify('notify', 'notify'),
    notify('notify_master_rx_lower_pri', 'notifyMasterRxLowerPri'),
    {
      name: 'smtp_alert',
      handler: (ctx) => {
        const b = ctx.has(1) ? checkTrueFalse(ctx.word(1)) : true;
        if (b === undefined) err(ctx, `Invalid vrrp_instance smtp_alert parameter ${ctx.word(1)}`);
        else v().smtpAlert = b;
      },
    },
    {
      name: 'notify_priority_changes',
      handler: (ctx) => {
        const b = optionalBool(ctx, (w) => `(${v().name}) Invalid value '${w}' for notify_priority_changes specified`);
        if (b !== undefined) v().notifyPriorityChanges = b;
      },
    },
    {
      name: 'lvs_sync_daemon_interface',
      handler: (ctx) => {
        const i = v();
        err(ctx, `(${i.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.`);
        err(ctx, `      ${' '.repeat(Math.abs(i.name.length - 2))}Please use global lvs_sync_daemon`);
        const already = c.d.lvsSyncDaemon?.interface ?? c.g.lvsSyncDaemon?.interface;
        if (already !== undefined) {
          err(ctx, `(${i.name}) lvs_sync_daemon_interface has already been specified as ${already} - ignoring`);
          return;
        }
        c.d.lvsSyncDaemon = { interface: ctx.word(1), instance: i.name };
      },
    },
    {
      name: 'garp_master_delay',
      handler: (ctx) => {
        const n = unsigned(ctx, 0, Math.floor(UINT_MAX / TIMER_HZ), (i, w) => `(${i.name}): garp_master_delay '${w}' invalid - ignoring`);
        if (n !== undefined) v().garpMasterDelay = n * TIMER_HZ;
      },
    },
    {
      name: 'garp_master_refresh',
      handler: (ctx) => {
        const n = unsigned(ctx, 0, UINT_MAX, (i, w) => `(${i.name}): Invalid garp_master_refresh '${w}' - ignoring`);
        v().garpMasterRefresh = n ?? 0;
      },
    },
    {
      name: 'garp_master_repeat',
      handler: (ctx) => {
        const n = unsigned(ctx, 0, UINT_MAX, (i, w) => `(${i.name}): garp_master_repeat '${w}' invalid - ignoring`);
        if (n === undefined) return;
        if (n === 0) err(ctx, `(${v().name}): garp_master_repeat must be greater than 0, setting to 1`);
        v().garpMasterRepeat = n || 1;
      },
    },
    {
      name: 'garp_master_refresh_repeat',
      handler: (ctx) => {
        const n = unsigned(ctx, 0, UINT_MAX, (i, w) => `(${i.name}): garp_master_refresh_repeat '${w}' invalid - ignoring`);
        if (n === undefined) return;
        if (n === 0) err(ctx, `(${v().name}): garp_master_refresh_repeat must be greater than 0, setting to 1`);
        v().garpMasterRefreshRepeat = n || 1;
      },
    },
    {
      name: 'garp_lower_prio_delay',
      handler: (ctx) => {
        const n = unsigned(ctx, 0, Math.floor(UINT_MAX / TIMER_HZ), (i, w) => `(${i.name}): garp_lower_prio_delay '${w}' invalid - ignoring`);
        if (n !== undefined) v().garpLowerPrioDelay = n * TIMER_HZ;
      },
    },
    {
      name: 'garp_lower_prio_repeat',
      handler: (ctx) => {
        const n = unsigned(ctx, 0, INT_MAX, (i, w) => `(${i.name}): Invalid garp_lower_prio_repeat '${w}'`);
        if (n !== undefined) v().garpLowerPrioRepeat = n;
      },
    },
    {
      name: 'down_timer_adverts',
      handler: (ctx) => {
        const n = unsigned(ctx, 1, 100, (i, w) => `(${i.name}): Invalid down_timer_adverts [1:100] '${w}'`);
        if (n !== undefined) v().downTimerAdverts = n;
      },
    },
    { name: 'garp_extra_if', handler: garpExtraIf },
    { name: 'vmac_garp_intvl', handler: garpExtraIf },
    {
      name: 'lower_prio_no_advert',
      handler: (ctx) => {
        const b = optionalBool(ctx, (w) => `(${v().name}) invalid lower_prio_no_advert ${w} specified`);
        if (b !== undefined) v().lowerPrioNoAdvert = b;
      },
    },
    {
      name: 'higher_prio_send_advert',
      handler: (ctx) => {
        const b = optionalBool(ctx, (w) => `(${v().name}) invalid higher_prio_send_advert ${w} specified`);
        if (b !== undefined) v().higherPrioSendAdvert = b;
      },
    },
    {
      name: 'kernel_rx_buf_size',
      handler: (ctx) => {
        const n = ctx.length === 2 ? ctx.num.unsigned(ctx.word(1), 0, UINT_MAX, false) : undefined;
        if (n === undefined) err(ctx, `(${v().name}) invalid kernel_rx_buf_size specified`);
        else v().kernelRxBufSize = n;
      },
    },
    { name: 'authentication', sub: auth },
  ]);

  function unicastPeer(ctx: Ctx, words: readonly string[]): void {
    const i = v();
    const word = words[0]!;
    const a = parseSockAddress(word);
    if (!a) {
      err(ctx, `Configuration error: VRRP instance[${i.name}] malformed unicast peer address[${word}]. Skipping...`);
      return;
    }
    if (i.familyGiven === undefined) i.familyGiven = a.family;
    else if (a.family !== i.familyGiven) {
      err(ctx, `Configuration error: VRRP instance[${i.name}] and unicast peer address[${word}] MUST be of the same family !!! Skipping...`);
      return;
    }
    const peer = { address: formatInet(a), minTtl: 0, maxTtl: 255 };
    for (let k = 1; k < words.length; k += 2) {
      if (k + 1 >= words.length) {
        err(ctx, `(${i.name}) ${words[k]} is missing a value`);
        break;
      }
      const ttl = ctx.num.unsigned(words[k + 1]!, 0, 255, false);
      if (ttl === undefined) continue;
      if (words[k] === 'min_ttl') peer.minTtl = ttl;
      else if (words[k] === 'max_ttl') peer.maxTtl = ttl;
      else {
        err(ctx, `(${i.name}) unknown unicast_peer option ${words[k]}`);
        break;
      }
      i.checkUnicastSrc = true;
    }
    if (peer.minTtl > peer.maxTtl) err(ctx, `(${i.name}) min_ttl ${peer.minTtl} > max_ttl ${peer.maxTtl} - all packets will be discarded`);
    i.unicastPeers.push(peer);
  }

  return {
    name: 'vrrp_instance',
    handler: (ctx) => {
      cur = undefined;
      if (ctx.length !== 2) {
        err(ctx, 'vrrp_instance must have a name');
        ctx.skipBlock(true);
        return;
      }
      const name = ctx.word(1);
      if (c.d.instances.some((i) => i.name === name)) {
        err(ctx, `vrrp instance ${name} already defined`);
        ctx.skipBlock(true);
        return;
      }
      cur = newInstance(c, name, ctx);
      c.d.instances.push(cur);
    },
    sub,
    // keepalived's vrrp_end_handler, reported at the block's closing line
    close: () => {
      if (!cur) return;
      const i = cur;
      const report = (m: string): void => c.env.report(ConfigErr.GeneralError, m);
      if (i.unicastConfigured && (i.vmac || i.ipvlan)) {
        if (i.interface === undefined) {
          report(`(${i.name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`);
          delete i.vmac;
          delete i.ipvlan;
        } else if (!i.vmacXmitBase) {
          report(`(${i.name}) unicast with use_vmac requires vmac_xmit_base - setting`);
          i.vmacXmitBase = true;
        }
      }
      if (!i.unicastPeers.length && i.unicastTtl !== undefined) {
        report(`(${i.name}): Cannot use unicast_ttl without unicast peers - resetting`);
        delete i.unicastTtl;
      }
      if (i.interface === undefined) i.linkbeatUsePolling = false;
    },
  };
}

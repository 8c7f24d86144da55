/** The VRRP process's settings in global_defs (vrrp_* and friends). */
import { isLinkLocalMulticast6, isMulticast, type Family } from '../../base/inet.js';
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import { checkTrueFalse, TIMER_HZ, TIMER_HZ_DIGITS } from '../numbers.js';
import { formatInet, parseSockAddress } from '../sockaddr.js';
import type { GlobalDraft } from './model.js';
import { flag, globalBool, optionalFlag } from './flags.js';

const UINT_MAX = 4294967295;
const INT_MAX = 2147483647;

/** `vrrp_garp_master_delay` and similar: whole seconds stored in µs. */
function secondsAsMicros(ctx: Ctx, what: string, set: (us: number) => void): void {
  const word = ctx.word(1);
  const v = ctx.num.unsigned(word, 0, Math.floor(UINT_MAX / TIMER_HZ), true);
  if (v === undefined) ctx.report(ConfigErr.GeneralError, `${what} '${word}' invalid - ignoring`);
  else set(v * TIMER_HZ);
}

/** Repeat counts where 0 is accepted for compatibility but raised to 1. */
function repeatCount(ctx: Ctx, what: string, set: (n: number) => void): void {
  const word = ctx.word(1);
  const v = ctx.num.unsigned(word, 0, UINT_MAX, true);
  if (v === undefined) return ctx.report(ConfigErr.GeneralError, `${what} '${word}' invalid - ignoring`);
  if (v === 0) ctx.report(ConfigErr.GeneralError, `${what} must be greater than 0, setting to 1`);
  set(Math.max(v, 1));
}

/** Gratuitous ARP / NA pacing: decimal seconds, at least 1 µs. */
function interval(ctx: Ctx, what: string, current: () => number, set: (us: number) => void): void {
  const word = ctx.word(1);
  const v = ctx.num.decimal(word, 1, UINT_MAX, TIMER_HZ_DIGITS, true);
  if (v === undefined) ctx.report(ConfigErr.GeneralError, `${what} '${word}' is invalid`);
  else set(v);
  if (current() >= TIMER_HZ) ctx.log(`The ${what} is very large - ${word} seconds`);
}

function mcastGroup(ctx: Ctx, family: Family, set: (addr: string) => void): void {
  const version = family === 'inet' ? 4 : 6;
  const name = `vrrp_mcast_group${version}`;
  const word = ctx.word(1);
  const a = parseSockAddress(word);
  if (!a) return ctx.report(ConfigErr.GeneralError, `Can't parse ${name} [${word}]. Skipping`);
  if (a.family !== family) return ctx.report(ConfigErr.GeneralError, `${name} [${word}] is not IPv${version}. Skipping`);
  if (!isMulticast(family, a.bytes)) return ctx.report(ConfigErr.GeneralError, `${name} [${word}] is not multicast. Skipping`);
  if (family === 'inet6' && !isLinkLocalMulticast6(a.bytes)) ctx.report(ConfigErr.Warning, `${name} [${word}] should be link-local multicast.`);
  set(formatInet(a));
}

export function vrrpSettingsKeywords(g: GlobalDraft): Keyword[] {
  return [
    {
      name: 'dynamic_interfaces',
      handler: (ctx) => {
        g.dynamicInterfaces = true;
        if (!ctx.has(1)) return;
        if (ctx.words[1] === 'allow_if_changes') g.allowIfChanges = true;
        else ctx.report(ConfigErr.GeneralError, `Unknown dynamic_interfaces option '${ctx.words[1]}'`);
      },
    },
    {
      name: 'default_interface',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'default_interface requires interface name');
        g.defaultInterface = ctx.words[1]!;
      },
    },
    // keepalived checks the kernel knob exists; every kernel it supports has it.
    flag('disable_local_igmp', () => (g.disableLocalIgmp = true)),
    { name: 'vrrp_mcast_group4', handler: (ctx) => mcastGroup(ctx, 'inet', (a) => (g.vrrpMcastGroup4 = a)) },
    { name: 'vrrp_mcast_group6', handler: (ctx) => mcastGroup(ctx, 'inet6', (a) => (g.vrrpMcastGroup6 = a)) },
    { name: 'vrrp_garp_master_delay', handler: (ctx) => secondsAsMicros(ctx, 'vrrp_garp_master_delay', (v) => (g.vrrpGarpMasterDelay = v)) },
    { name: 'vrrp_garp_master_repeat', handler: (ctx) => repeatCount(ctx, 'vrrp_garp_master_repeat', (v) => (g.vrrpGarpMasterRepeat = v)) },
    {
      name: 'vrrp_garp_master_refresh',
      handler: (ctx) => {
        const word = ctx.word(1);
        const v = ctx.num.unsigned(word, 0, UINT_MAX, true);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid vrrp_garp_master_refresh '${word}' - ignoring`);
        g.vrrpGarpMasterRefresh = v ?? 0;
      },
    },
    { name: 'vrrp_garp_master_refresh_repeat', handler: (ctx) => repeatCount(ctx, 'vrrp_garp_master_refresh_repeat', (v) => (g.vrrpGarpMasterRefreshRepeat = v)) },
    { name: 'vrrp_garp_lower_prio_delay', handler: (ctx) => secondsAsMicros(ctx, 'vrrp_garp_lower_prio_delay', (v) => (g.vrrpGarpLowerPrioDelay = v)) },
    {
      name: 'vrrp_garp_lower_prio_repeat',
      handler: (ctx) => {
        const word = ctx.word(1);
        const v = ctx.num.unsigned(word, 0, INT_MAX, true);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid vrrp_garp_lower_prio_repeat '${word}'`);
        else g.vrrpGarpLowerPrioRepeat = v;
      },
    },
    {
      name: 'vrrp_down_timer_adverts',
      handler: (ctx) => {
        const word = ctx.word(1);
        const v = ctx.num.unsigned(word, 1, 100, true);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid vrrp_down_timer_adverts [1:100] '${word}'`);
        else g.vrrpDownTimerAdverts = v;
      },
    },
    { name: 'vrrp_garp_interval', handler: (ctx) => interval(ctx, 'vrrp_garp_interval', () => g.vrrpGarpInterval, (v) => (g.vrrpGarpInterval = v)) },
    { name: 'vrrp_gna_interval', handler: (ctx) => interval(ctx, 'vrrp_gna_interval', () => g.vrrpGnaInterval, (v) => (g.vrrpGnaInterval = v)) },
    {
      name: 'vrrp_min_garp',
      handler: (ctx) => {
        if (ctx.has(1)) {
          const v = checkTrueFalse(ctx.words[1]!);
          if (v === undefined) return ctx.report(ConfigErr.GeneralError, 'Invalid value for vrrp_min_garp specified');
          if (!v) return;
        }
        // One gratuitous ARP, no repeats; settings already changed from their defaults are kept.
        if (g.vrrpGarpMasterRepeat === 5) g.vrrpGarpMasterRepeat = 1;
        if (g.vrrpGarpMasterRefreshRepeat === 1) g.vrrpGarpMasterRefreshRepeat = 0;
        if (g.vrrpGarpMasterDelay === 5 * TIMER_HZ) g.vrrpGarpMasterDelay = 0;
      },
    },
    { name: 'vrrp_garp_extra_if', handler: (ctx) => garpExtraIf(ctx, g) },
    { name: 'vrrp_vmac_garp_intvl', handler: (ctx) => garpExtraIf(ctx, g) },
    optionalFlag('vrrp_lower_prio_no_advert', 'Invalid value for vrrp_lower_prio_no_advert specified', (v) => (g.vrrpLowerPrioNoAdvert = v)),
    optionalFlag('vrrp_higher_prio_send_advert', 'Invalid value for vrrp_higher_prio_send_advert specified', (v) => (g.vrrpHigherPrioSendAdvert = v)),
    {
      name: 'vrrp_version',
      handler: (ctx) => {
        const v = ctx.num.int(ctx.word(1), 2, 3, true);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, 'VRRP Error: Version must be either 2 or 3');
        else g.vrrpVersion = v as 2 | 3;
      },
    },
    flag('vrrp_check_unicast_src', () => (g.vrrpCheckUnicastSrc = true)),
    flag('vrrp_skip_check_adv_addr', () => (g.vrrpSkipCheckAdvAddr = true)),
    flag('vrrp_strict', () => (g.vrrpStrict = true)),
    globalBool('vrrp_notify_priority_changes', (v) => (g.vrrpNotifyPriorityChanges = v)),
    flag('fifo_write_vrrp_states_on_reload', () => (g.fifoWriteVrrpStatesOnReload = true)),
    {
      name: 'vrrp_rx_bufs_policy',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'vrrp_rx_bufs_policy missing');
        const p = g.vrrpRxBufsPolicy;
        for (const w of ctx.words.slice(1)) {
          if (w.toUpperCase() === 'MTU') p.mtu = true;
          else if (w.toUpperCase() === 'ADVERT') p.advert = true;
          else {
            // keepalived reads the size from the first word whatever word it is looking at.
            const size = ctx.num.unsigned(ctx.words[1]!, 0, UINT_MAX);
            if (size === undefined) ctx.report(ConfigErr.GeneralError, `Invalid vrrp_rx_bufs_policy ${w}`);
            else p.size = size;
          }
        }
        if (p.size !== undefined && (p.mtu || p.advert)) {
          ctx.report(ConfigErr.GeneralError, 'Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy');
          p.mtu = p.advert = false;
        } else if (p.mtu && p.advert) {
          ctx.report(ConfigErr.GeneralError, 'Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT');
          p.advert = false;
        }
      },
    },
    {
      name: 'vrrp_rx_bufs_multiplier',
      handler: (ctx) => {
        if (ctx.length !== 2) return ctx.report(ConfigErr.GeneralError, 'Invalid vrrp_rx_bufs_multiplier');
        const v = ctx.num.unsigned(ctx.words[1]!, 1, UINT_MAX);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid vrrp_rx_bufs_multiplier ${ctx.words[1]}`);
        else g.vrrpRxBufsMultiplier = v;
      },
    },
    {
      name: 'vrrp_startup_delay',
      handler: (ctx) => {
        const word = ctx.word(1);
        const v = ctx.num.decimal(word, TIMER_HZ / 1000, UINT_MAX, TIMER_HZ_DIGITS, true);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `vrrp_startup_delay '${word}' is invalid`);
        else g.vrrpStartupDelay = v;
        if (g.vrrpStartupDelay >= 60 * TIMER_HZ) ctx.log(`The vrrp_startup_delay is very large - ${word} seconds`);
      },
    },
    flag('log_unknown_vrids', () => (g.logUnknownVrids = true)),
    {
      name: 'vmac_prefix',
      handler: (ctx) => {
        const word = ctx.word(1);
        if (g.vmacPrefix !== undefined) ctx.report(ConfigErr.GeneralError, `vmac prefix has already been specified - ignoring ${word}`);
        else g.vmacPrefix = word;
      },
    },
    {
      name: 'vmac_addr_prefix',
      handler: (ctx) => {
        const word = ctx.word(1);
        if (g.vmacAddrPrefix !== undefined) ctx.report(ConfigErr.GeneralError, `vmac_addr prefix has already been specified - ignoring ${word}`);
        else g.vmacAddrPrefix = word;
      },
    },
  ];
}

/** `vrrp_garp_extra_if [all] SECONDS` (old name vrrp_vmac_garp_intvl). */
function garpExtraIf(ctx: Ctx, g: GlobalDraft): void {
  const name = ctx.words[0]!;
  if (name === 'vrrp_vmac_garp_intvl') ctx.report(ConfigErr.Deprecated, 'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"');
  let delay = 0;
  for (const w of ctx.words.slice(1)) {
    if (w === 'all') {
      g.vrrpGarpExtraIfAll = true;
      continue;
    }
    const v = ctx.num.unsigned(w, 1, 86400, true);
    if (v === undefined) return ctx.report(ConfigErr.GeneralError, `${name} '${w}' invalid - ignoring`);
    delay = v;
  }
  if (!delay) return ctx.report(ConfigErr.GeneralError, `${name} specified without time - ignoring`);
  g.vrrpGarpExtraIf = delay;
}

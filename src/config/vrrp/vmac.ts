/** use_vmac and use_ipvlan arguments of a vrrp_instance (keepalived's vrrp_vmac_handler / vrrp_ipvlan_handler). */
import { ConfigErr } from '../diagnostics.js';
import type { Ctx } from '../engine.js';
import { parseGuessed } from '../sockaddr.js';
import { parseIpWithPrefix } from './address.js';
import type { VrrpContext } from './context.js';
import type { InstanceDraft } from './model.js';

const IFNAMSIZ = 16;

/** The kernel's dev_name_valid. */
export function devNameValid(name: string): boolean {
  return name !== '' && name.length < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/**
 * A VMAC address: 6 octets, or 5 (the VRID is then the 6th).
 * Returns the octets and whether the VRID completes it, or undefined when malformed.
 */
export function parseVmacAddress(text: string): { octets: number[]; useVrid: boolean } | undefined {
  const octets: number[] = [];
  let p = text;
  for (let j = 0; j < 6; j++) {
    const m = /^[0-9a-fA-F]+/.exec(p);
    if (!m || m[0].length > 2) return undefined;
    const rest = p.slice(m[0].length);
    if (rest[0] !== ':' && (rest !== '' || j < 4)) return undefined;
    octets.push(parseInt(m[0], 16));
    if (j === 4 && (rest === '' || rest === ':')) return { octets, useVrid: true };
    p = rest.slice(1);
    if (p === '' && j < 5) return undefined;
  }
  return { octets, useVrid: false };
}

/** What an existing link of the name must be to be taken as the instance's own: keepalived's if_type and vmac_type. */
const OWN_LINK = {
  vmac: { text: 'a private macvlan', kind: 'macvlan', mode: 1 /* MACVLAN_MODE_PRIVATE */ },
  ipvlan: { text: 'an l2 ipvlan', kind: 'ipvlan', mode: 0 /* IPVLAN_MODE_L2 */ },
} as const;

/**
 * Why `name` cannot name this instance's own VMAC or IPVLAN link, or undefined:
 * another instance's link has it, or a host interface of another kind or mode
 * does (one of the right kind, a previous run's, is taken).
 */
function nameTaken(c: VrrpContext, v: InstanceDraft, name: string, keyword: keyof typeof OWN_LINK): string | undefined {
  const other = c.d.instances.find((o) => o !== v && (o.vmac?.ifname === name || o.ipvlan?.ifname === name));
  if (other) return `(${v.name}) VRRP instance ${other.name} is already using ${name} - ignoring name`;
  if (!c.interfaceExists(name)) return undefined;
  const own = OWN_LINK[keyword];
  const found = c.env.sys.linkKind(name);
  if (found?.kind === own.kind && found.mode === own.mode) return undefined;
  return `(${v.name}) interface ${name} already exists and is not ${own.text}; ignoring ${keyword} if_name`;
}

export function useVmac(c: VrrpContext, ctx: Ctx, v: InstanceDraft): void {
  const vmac = (v.vmac ??= {});
  const err = (m: string): void => ctx.report(ConfigErr.GeneralError, m);
  for (let i = 1; i < ctx.length && i <= 2; i++) {
    const word = ctx.word(i);
    if (word.includes(':')) {
      if (vmac.mac !== undefined) {
        err('VMAC interface address already specified');
        continue;
      }
      if (/[^0-9A-Fa-f:]/.test(word)) {
        err(`VMAC invalid MAC address ${word}`);
        continue;
      }
      const mac = parseVmacAddress(word);
      if (!mac) err(`VMAC invalid MAC address ${word} - ignored`);
      else if (mac.octets[0]! & 1) err(`VMAC MAC address is multicast ${word} - ignoring`);
      else if (mac.octets.slice(0, 4).join() === '0,0,94,0' && (mac.octets[4] === 1 || mac.octets[4] === 2))
        err(`VMAC MAC address not allowed to be RFC5798 address (${word}) - ignoring`);
      else vmac.mac = mac.octets.map((o) => o.toString(16).padStart(2, '0')).join(':') + (mac.useVrid ? ':VRID' : '');
      continue;
    }
    if (vmac.ifname !== undefined) {
      err('VMAC interface name already specified');
      continue;
    }
    if (!devNameValid(word)) {
      err(`VMAC interface name '${word}' too long or invalid characters - ignoring`);
      continue;
    }
    const taken = nameTaken(c, v, word, 'vmac');
    if (taken) err(taken);
    else vmac.ifname = word;
  }
}

export function useIpvlan(c: VrrpContext, ctx: Ctx, v: InstanceDraft): void {
  const err = (m: string): void => ctx.report(ConfigErr.GeneralError, m);
  if (v.ipvlan) {
    err(`(${v.name}) use_ipvlan already specified`);
    return;
  }
  const ipvlan: NonNullable<InstanceDraft['ipvlan']> = { mode: 'bridge' };
  v.ipvlan = ipvlan;
  let hadMode = false;
  for (let i = 1; i < ctx.length; i++) {
    const word = ctx.word(i);
    if (word === 'bridge' || word === 'private' || word === 'vepa') {
      if (hadMode) err(`(${v.name}) ipvlan type already specified - ignoring '${word}'`);
      else {
        ipvlan.mode = word;
        hadMode = true;
      }
      continue;
    }
    const slash = word.indexOf('/');
    if (parseGuessed(slash >= 0 ? word.slice(0, slash) : word)) {
      const addr = parseIpWithPrefix(ctx, word, true)!;
      if (ipvlan.address !== undefined) {
        err(`(${v.name}) ipvlan address already specified - ignoring '${word}'`);
        continue;
      }
      if (v.familyGiven === undefined) v.familyGiven = addr.family;
      else if (addr.family !== v.familyGiven) {
        err(`(${v.name}) ipvlan address[${word}] MUST match vrrp instance family !!! Skipping...`);
        continue;
      }
      ipvlan.address = addr.address;
      ipvlan.prefixLen = addr.prefixLen;
      // The ipvlan address is also the advert source unless one was configured.
      v.srcIp ??= ipvlan.address;
      continue;
    }
    if (ipvlan.ifname !== undefined || v.vmac?.ifname !== undefined) {
      err(`(${v.name}) IPVLAN interface already specified - ignoring '${word}'`);
      continue;
    }
    if (word.length >= IFNAMSIZ) {
      err(`(${v.name}) IPVLAN interface name '${word}' too long - ignoring`);
      continue;
    }
    const taken = nameTaken(c, v, word, 'ipvlan');
    if (taken) err(taken);
    else ipvlan.ifname = word;
  }
}

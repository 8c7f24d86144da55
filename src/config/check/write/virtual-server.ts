/** `virtual_server` blocks as text, every setting written out. */
import type { VirtualServer, VirtualServerGroup } from '../model.js';
import { SVC_FLAG } from '../model.js';
import { forwardingArgs } from './forwarding.js';
import { writtenAddresses } from './ports.js';
import { addressArgs, optionalTimers, realServerBlock, sorryServerLines } from './real-server.js';
import { block, quoteWord, scriptLine, seconds } from '../../quote.js';
import { bool } from './text.js';

const FLAG_KEYWORDS: readonly (readonly [number, string])[] = [
  [SVC_FLAG.onePacket, 'ops'],
  // flag-N sets the bit whatever the scheduler; sh-/mh- names need theirs
  [SVC_FLAG.sched1, 'flag-1'],
  [SVC_FLAG.sched2, 'flag-2'],
  [SVC_FLAG.sched3, 'flag-3'],
];

function virtualServerHead(vs: VirtualServer): string {
  const key = vs.key;
  if (key.kind === 'group') return `virtual_server group ${quoteWord(key.group)}`;
  if (key.kind === 'fwmark') return `virtual_server fwmark ${key.fwmark}`;
  return `virtual_server ${addressArgs(key.addr)}`;
}

/**
 * ip_family where the key does not give it. A group with both families
 * only takes a virtual server whose family was never set (the model then
 * says inet).
 */
function familyLines(vs: VirtualServer, groups: readonly VirtualServerGroup[]): string[] {
  if (vs.key.kind === 'address') return [];
  const groupName = vs.key.kind === 'group' ? vs.key.group : undefined;
  const group = groups.find((g) => g.name === groupName);
  return group?.haveIpv4 && group.haveIpv6 ? [] : [`ip_family ${vs.family}`];
}

function persistenceLines(vs: VirtualServer): string[] {
  return [
    // before the timeout: a granularity alone sets the default timeout
    ...(vs.persistenceGranularity !== undefined ? [`persistence_granularity ${vs.persistenceGranularity}`] : []),
    ...(vs.persistenceTimeout ? [`persistence_timeout ${vs.persistenceTimeout}`] : []),
    ...(vs.persistenceEngine !== undefined ? [`persistence_engine ${quoteWord(vs.persistenceEngine)}`] : []),
  ];
}

function quorumLines(vs: VirtualServer): string[] {
  return [
    // 0 is what keepalived lowers the quorum to when all weights are 0; it does so again
    ...(vs.quorum ? [`quorum ${vs.quorum}`] : []),
    ...(vs.hysteresis ? [`hysteresis ${vs.hysteresis}`] : []),
    ...(vs.quorumUp ? [scriptLine('quorum_up', vs.quorumUp)] : []),
    ...(vs.quorumDown ? [scriptLine('quorum_down', vs.quorumDown)] : []),
  ];
}

export function virtualServerBlock(vs: VirtualServer, groups: readonly VirtualServerGroup[]): string[] {
  const addresses = writtenAddresses(vs);
  return block(virtualServerHead(vs), [
    ...familyLines(vs, groups),
    ...(vs.protocol ? [`protocol ${vs.protocol}`] : []),
    `lvs_sched ${vs.scheduler}`,
    ...FLAG_KEYWORDS.filter(([bit]) => vs.flags & bit).map(([, name]) => name),
    `lvs_method ${forwardingArgs(vs.forwarding)}`,
    ...persistenceLines(vs),
    `delay_loop ${seconds(vs.delayLoopUs)}`,
    `connect_timeout ${seconds(vs.connectTimeoutUs)}`,
    ...optionalTimers(vs),
    ...(vs.haSuspend ? ['ha_suspend'] : []),
    ...(vs.virtualhost !== undefined ? [`virtualhost ${quoteWord(vs.virtualhost)}`] : []),
    ...(vs.snmpName !== undefined ? [`snmp_name ${quoteWord(vs.snmpName)}`] : []),
    ...(vs.alpha ? ['alpha'] : []),
    ...(vs.omega ? ['omega'] : []),
    ...quorumLines(vs),
    `weight ${vs.weight}`,
    // the keyword takes no value: it always sets
    ...(vs.inhibitOnFailure ? ['inhibit_on_failure'] : []),
    `smtp_alert ${bool(vs.smtpAlert)}`,
    ...(vs.sorryServer ? sorryServerLines(vs.sorryServer, addresses.sorry!) : []),
    ...vs.realServers.flatMap((rs, i) => realServerBlock(rs, addresses.realServers[i]!)),
  ]);
}

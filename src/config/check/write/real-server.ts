/** `real_server` and `sorry_server` as text. */
import type { SockAddr } from '../address.js';
import type { RealServer, SorryServer } from '../model.js';
import { checkerBlock, fileCheckBlock } from './checker.js';
import { forwardingArgs } from './forwarding.js';
import { block, quoteWord, scriptLine, seconds } from '../../quote.js';
import { bool } from './text.js';

export function addressArgs(a: SockAddr): string {
  return a.port ? `${a.address} ${a.port}` : a.address;
}

/** retry, delay_before_retry and warmup, which virtual and real servers may leave unset. */
export function optionalTimers(s: Pick<RealServer, 'retry' | 'delayBeforeRetryUs' | 'warmupUs'>): string[] {
  return [
    ...(s.retry !== undefined ? [`retry ${s.retry}`] : []),
    ...(s.delayBeforeRetryUs !== undefined ? [`delay_before_retry ${seconds(s.delayBeforeRetryUs)}`] : []),
    ...(s.warmupUs !== undefined ? [`warmup ${seconds(s.warmupUs)}`] : []),
  ];
}

/** `addr`: the address to write (see ports.ts); checker destinations are relative to it. */
export function realServerBlock(rs: RealServer, addr: SockAddr): string[] {
  return block(`real_server ${addressArgs(addr)}`, [
    `weight ${rs.weight}`,
    `lvs_method ${forwardingArgs(rs.forwarding)}`,
    ...(rs.upperThreshold ? [`uthreshold ${rs.upperThreshold}`] : []),
    ...(rs.lowerThreshold ? [`lthreshold ${rs.lowerThreshold}`] : []),
    `inhibit_on_failure ${bool(rs.inhibitOnFailure)}`,
    `alpha ${bool(rs.alpha)}`,
    ...optionalTimers(rs),
    `connect_timeout ${seconds(rs.connectTimeoutUs)}`,
    `delay_loop ${seconds(rs.delayLoopUs)}`,
    `smtp_alert ${bool(rs.smtpAlert)}`,
    ...(rs.virtualhost !== undefined ? [`virtualhost ${quoteWord(rs.virtualhost)}`] : []),
    ...(rs.snmpName !== undefined ? [`snmp_name ${quoteWord(rs.snmpName)}`] : []),
    ...(rs.notifyUp ? [scriptLine('notify_up', rs.notifyUp)] : []),
    ...(rs.notifyDown ? [scriptLine('notify_down', rs.notifyDown)] : []),
    ...rs.checkers.flatMap((k) => checkerBlock(k, addr)),
    ...rs.fileChecks.flatMap(fileCheckBlock),
  ]);
}

export function sorryServerLines(s: SorryServer, addr: SockAddr): string[] {
  return [
    `sorry_server ${addressArgs(addr)}`,
    `sorry_server_lvs_method ${forwardingArgs(s.forwarding)}`,
    ...(s.inhibit ? ['sorry_server_inhibit'] : []),
  ];
}

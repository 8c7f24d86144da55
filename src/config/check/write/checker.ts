/**
 * Checker blocks as text. Timing and connection are written in full: the
 * defaults a re-read would fill in come from the real server and differ per
 * checker type.
 */
import { TIMER_HZ } from '../../numbers.js';
import type { SockAddr } from '../address.js';
import type { Checker, Connection, FileCheck } from '../model.js';
import { httpLines } from './http.js';
import { block, quoteWord, scriptCommand, seconds } from '../../quote.js';
import { bool } from './text.js';

type Launched = Exclude<Checker, { type: 'BFD_CHECK' }>;
type WithConnection = Exclude<Launched, { type: 'MISC_CHECK' }>;
type UdpChecker = Extract<Checker, { type: 'UDP_CHECK' }>;
type MiscChecker = Extract<Checker, { type: 'MISC_CHECK' }>;

/**
 * `rs` is the real server as written: the destination defaults to it (its
 * port before keepalived inherits the service's).
 */
function connectionLines(co: Connection, rs: SockAddr): string[] {
  const out: string[] = [];
  if (!co.dst) {
    // keepalived rejected the connect_ip and kept no destination; an invalid one does that again
    out.push('connect_ip invalid');
  } else {
    if (co.dst.family !== rs.family || co.dst.address !== rs.address) out.push(`connect_ip ${co.dst.address}`);
    if (co.dst.port !== rs.port) out.push(`connect_port ${co.dst.port}`);
  }
  if (co.bindAddress) out.push(`bindto ${co.bindAddress.address}`);
  if (co.bindPort) out.push(`bind_port ${co.bindPort}`);
  if (co.bindInterface !== undefined) out.push(`bind_if ${quoteWord(co.bindInterface)}`);
  if (co.fwmark) out.push(`fwmark ${co.fwmark}`);
  out.push(`connect_timeout ${seconds(co.connectTimeoutUs)}`);
  return out;
}

function timingLines(k: Launched): string[] {
  return [
    `alpha ${bool(k.alpha)}`,
    `delay_loop ${seconds(k.delayLoopUs)}`,
    `warmup ${seconds(k.warmupUs)}`,
    `retry ${k.retry}`,
    `delay_before_retry ${seconds(k.delayBeforeRetryUs)}`,
    ...(k.logAllFailures ? ['log_all_failures'] : []),
  ];
}

/** require_reply's hex, with `x` for the nibbles the mask leaves free. */
function replyHex(data: string, mask: string | undefined): string {
  return [...data].map((nibble, i) => (mask?.[i] === 'f' ? 'x' : nibble)).join('');
}

function udpLines(k: UdpChecker): string[] {
  const reply = k.replyData !== undefined ? ` ${replyHex(k.replyData, k.replyMask)}` : '';
  return [
    ...(k.payload !== undefined ? [`payload ${k.payload}`] : []),
    ...(k.requireReply ? [`require_reply${reply}`] : []),
    `min_reply_length ${k.minReplyLength}`,
    `max_reply_length ${k.maxReplyLength}`,
  ];
}

function miscLines(k: MiscChecker): string[] {
  const s = k.script;
  return [
    `misc_path ${scriptCommand(s.argv)}`,
    ...(k.timeoutUs ? [`misc_timeout ${k.timeoutUs / TIMER_HZ}`] : []),
    ...(k.dynamic ? ['misc_dynamic'] : []),
    ...(s.user !== undefined ? [`user ${[s.user, ...(s.group !== undefined ? [s.group] : [])].map(quoteWord).join(' ')}`] : []),
  ];
}

function specificLines(k: WithConnection): string[] {
  switch (k.type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return httpLines(k);
    case 'SMTP_CHECK':
      return [`helo_name ${quoteWord(k.heloName)}`];
    case 'DNS_CHECK':
      return [`type ${k.queryType}`, `name ${quoteWord(k.name)}`];
    case 'UDP_CHECK':
      return udpLines(k);
    case 'TCP_CHECK':
    case 'PING_CHECK':
      return [];
  }
}

export function checkerBlock(k: Checker, rs: SockAddr): string[] {
  if (k.type === 'BFD_CHECK') return block('BFD_CHECK', [`name ${quoteWord(k.bfd)}`, `alpha ${bool(k.alpha)}`]);
  if (k.type === 'MISC_CHECK') return block('MISC_CHECK', [...miscLines(k), ...timingLines(k)]);
  return block(k.type, [...connectionLines(k.connection, rs), ...timingLines(k), ...specificLines(k)]);
}

export function fileCheckBlock(f: FileCheck): string[] {
  return block('FILE_CHECK', [`track_file ${quoteWord(f.trackFile)}`, `weight ${f.weight}${f.reverse ? ' reverse' : ''}`]);
}


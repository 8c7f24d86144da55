/**
 * bfd_instance blocks back to text. Three processes read them into three
 * lists (the BFD process's sessions, the VRRP process's weights, the
 * checker's names), each keeping some blocks and dropping others; one block
 * per name is written, in an order that keeps every list's order, with what
 * each process needs from it.
 */
import { block, decimalText, quoteWord } from '../quote.js';
import { guessFamily } from '../sockaddr.js';
import { BFD_DEFAULTS, type BfdConfig, type BfdInstance } from './model.js';

/** The VRRP process's view of an instance (name and weight for track_bfd). */
export interface VrrpBfdView {
  readonly name: string;
  readonly weight: number;
  readonly weightReverse: boolean;
}

export function writeBfd(bfd: BfdConfig, vrrpTracked: readonly VrrpBfdView[]): string[] {
  const lists = [bfd.instances.map((b) => b.name), vrrpTracked.map((b) => b.name), bfd.checkerTracked.map((b) => b.name)];
  return mergeOrders(lists).flatMap((name) =>
    instanceBlock(
      name,
      bfd.instances.find((b) => b.name === name),
      vrrpTracked.find((b) => b.name === name),
      bfd.checkerTracked.some((b) => b.name === name),
    ),
  );
}

/** One sequence holding each list as a subsequence (the lists are all subsequences of the file's order). */
export function mergeOrders(lists: readonly (readonly string[])[]): string[] {
  const queues = lists.map((l) => [...l]);
  const out: string[] = [];
  while (queues.some((q) => q.length)) {
    // A head that no other list still needs later can go next.
    const head = queues
      .map((q) => q[0])
      .find((h): h is string => h !== undefined && queues.every((q) => q.indexOf(h) <= 0));
    const next = head ?? queues.find((q) => q.length)![0]!;
    out.push(next);
    for (const q of queues) if (q[0] === next) q.shift();
  }
  return out;
}

const ms = (us: number): string => decimalText(us, 3);

function instanceBlock(name: string, session: BfdInstance | undefined, vrrp: VrrpBfdView | undefined, checker: boolean): string[] {
  const body: string[] = [];
  if (session) body.push(...sessionLines(session));
  if (vrrp && (vrrp.weight || vrrp.weightReverse)) body.push(`weight ${vrrp.weight}${vrrp.weightReverse ? ' reverse' : ''}`);
  // Naming neither process sends events to both; naming one keeps the block from the other.
  const toVrrp = session ? session.vrrp : vrrp !== undefined;
  const toChecker = session ? session.checker : checker;
  if (toVrrp !== toChecker) body.push(toVrrp ? 'vrrp' : 'checker');
  return block(`bfd_instance ${quoteWord(name)}`, body);
}

function sessionLines(b: BfdInstance): string[] {
  const out = [`neighbor_ip ${b.neighbor}`];
  if (b.source !== undefined) out.push(`source_ip ${b.source}`);
  if (b.minRx !== BFD_DEFAULTS.minRx) out.push(`min_rx ${ms(b.minRx)}`);
  if (b.minTx !== BFD_DEFAULTS.minTx) out.push(`min_tx ${ms(b.minTx)}`);
  if (b.idleTx !== BFD_DEFAULTS.idleTx) out.push(`idle_tx ${ms(b.idleTx)}`);
  if (b.multiplier !== BFD_DEFAULTS.multiplier) out.push(`multiplier ${b.multiplier}`);
  if (b.passive) out.push('passive');
  const ttl = guessFamily(b.neighbor) === 'inet' ? BFD_DEFAULTS.ttlIpv4 : BFD_DEFAULTS.hopLimitIpv6;
  if (b.ttl !== ttl) out.push(`ttl ${b.ttl}`);
  if (b.maxHops) out.push(`max_hops ${b.maxHops}`);
  return out;
}

/**
 * Lost rtnetlink notifications (issue 13, case 3): the interface table of src/net/interfaces.ts over the fake
 * rtnetlink, a run of link and address changes of which some never reach the socket (a full receive buffer),
 * then the kernel's ENOBUFS. Recovered means the table then says what the kernel holds, interface by
 * interface. Shared by the property test and the soak case.
 */
import fc from 'fast-check';
import { followInterfaces } from '../src/net/interfaces.js';
import type { InterfaceInfo, InterfacePort } from '../src/vrrp/ports.js';
import { FakeRtnetlink, type FakeAddress, type FakeLink } from './fakes/rtnetlink.js';

export type RtnlStep =
  | { readonly kind: 'link'; readonly index: number; readonly up: boolean; readonly lost: boolean }
  | { readonly kind: 'unlink'; readonly index: number; readonly lost: boolean }
  | { readonly kind: 'address'; readonly index: number; readonly host: number; readonly v6: boolean; readonly removed: boolean; readonly lost: boolean }
  /** ENOBUFS; the next `heardDuring` changes happen (and are heard) while the dump it starts is under way. */
  | { readonly kind: 'overrun'; readonly heardDuring: number };

const INDEXES = [2, 3, 4];
const indexArb = fc.constantFrom(...INDEXES);

export const rtnlStepsArb: fc.Arbitrary<RtnlStep[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('link' as const), index: indexArb, up: fc.boolean(), lost: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unlink' as const), index: indexArb, lost: fc.boolean() }) },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('address' as const), index: indexArb, host: fc.integer({ min: 1, max: 4 }), v6: fc.boolean(), removed: fc.boolean(), lost: fc.boolean() }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('overrun' as const), heardDuring: fc.nat(3) }) },
  ),
  { maxLength: 40 },
);

const addressOf = (s: Extract<RtnlStep, { kind: 'address' }>): FakeAddress =>
  s.v6
    ? { index: s.index, family: 'inet6', address: `fd99:5::${s.index}:${s.host}`, prefixLen: 64 }
    : { index: s.index, family: 'inet', address: `10.99.5.${s.index * 10 + s.host}`, prefixLen: 24 };

/** The kernel's view of one interface in the table's terms (addresses compared as a set). */
const view = (info: InterfaceInfo | undefined): string =>
  info ? `${info.name} ${info.up ? 'up' : 'down'} ${info.addresses.map((a) => `${a.address}/${a.prefixLen}`).sort().join(' ')}` : 'absent';

export interface OverrunResult {
  readonly overruns: number;
  /** Notifications the kernel dropped. */
  readonly lost: number;
  /** Whether, after each overrun, the table said what the kernel holds. */
  readonly recovered: boolean;
  readonly mismatch?: string;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function step(kernel: FakeRtnetlink, links: Map<number, FakeLink>, s: Exclude<RtnlStep, { kind: 'overrun' }>): void {
  kernel.lose = s.lost;
  if (s.kind === 'link') {
    const link = { index: s.index, name: `eth${s.index}`, up: s.up };
    links.set(s.index, link);
    kernel.setLink(link);
  } else if (s.kind === 'unlink') {
    links.delete(s.index);
    kernel.removeLink(s.index);
  } else if (links.has(s.index)) {
    const a = addressOf(s);
    kernel.removeAddress(a);
    if (!s.removed) kernel.addAddress(a);
  }
  kernel.lose = false;
}

/** Where the table and a fresh dump of the kernel differ, or undefined. */
async function compare(table: InterfacePort, kernel: FakeRtnetlink): Promise<string | undefined> {
  const truth = await followInterfaces({ listen: () => undefined, dump: () => kernel.dump(), close: () => undefined });
  for (const index of INDEXES) {
    const ours = view(table.byIndex(index));
    const kernels = view(truth.byIndex(index));
    if (ours !== kernels) return `interface ${index}: the table says "${ours}", the kernel "${kernels}"`;
  }
  return undefined;
}

/** Plays `steps`, then one last overrun; after each overrun compares the table with the kernel's own dump. */
export async function playOverruns(steps: readonly RtnlStep[]): Promise<OverrunResult> {
  const kernel = new FakeRtnetlink();
  const links = new Map<number, FakeLink>();
  for (const index of INDEXES.slice(0, 2)) {
    links.set(index, { index, name: `eth${index}`, up: true });
    kernel.setLink(links.get(index)!);
  }
  const table: InterfacePort = await followInterfaces(kernel);
  let overruns = 0;
  let lost = 0;
  const all = [...steps, { kind: 'overrun', heardDuring: 0 } as const];
  for (let i = 0; i < all.length; i++) {
    const s = all[i]!;
    if (s.kind !== 'overrun') {
      if (s.lost) lost++;
      step(kernel, links, s);
      continue;
    }
    overruns++;
    // the dump has been asked for; the next few changes are heard before it answers
    kernel.overrun();
    const during = all.slice(i + 1, i + 1 + s.heardDuring).filter((x): x is Exclude<RtnlStep, { kind: 'overrun' }> => x.kind !== 'overrun');
    for (const x of during) step(kernel, links, { ...x, lost: false });
    i += during.length;
    await settle();
    const mismatch = await compare(table, kernel);
    if (mismatch) return { overruns, lost, recovered: false, mismatch: `after overrun ${overruns}: ${mismatch}` };
  }
  table.close();
  return { overruns, lost, recovered: true };
}

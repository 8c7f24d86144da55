/**
 * Bad adverts on the wire: a third namespace sends VRRPv2 adverts to
 * 224.0.0.18 (drivers/bad-advert-driver.mjs), each right but for one thing
 * and with priority 254, so that any one accepted would push the MASTER
 * down. keepalived-ts (VRID 51) and keepalived 2.2.7 (VRID 61) are each
 * MASTER of their own instance on the same LAN and get the same packets:
 * neither changes state, and the counters SIGUSR2 writes to
 * $TMPDIR/keepalived.stats move the same way in both (TTL → Packet Errors:
 * TTL; wrong password → Authentication Errors: Failure; short → Packet
 * Errors: Length; bad checksum → only the checksum counter that the file
 * does not show; another VRID → nothing), with the same log lines, but
 * that keepalived-ts writes the first of repeated ones and sums up the
 * rest 10 s later (`... (2 more in the last 10 s)`). A right
 * advert at the end shows the packets were refused for their flaw alone.
 * Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { instanceStats, parseKeepalivedStats } from '../../lab/keepalived-stats.js';
import { Lab, waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { expectMaster, masterDownMs, MODES, Node, PASSWORD, SLACK_MS, vrrpConfig } from './vrrp-interop-support.js';

const SUBNET = 24;
const DRIVER = path.join(import.meta.dirname, 'drivers/bad-advert-driver.mjs');
const MODE = MODES.v2Pass;
const PRIORITY = 100;
/** Each bad packet is sent this many times: the counters must move by exactly that much. */
const REPEAT = 3;

type Stats = Record<string, number>;

/** keepalived-ts's line for the repeats of a refused packet it held back. */
const SUMMARY = / \(\d+ more in the last 10 s\)$/;

const bad = (name: string): string[] => Array<string>(REPEAT).fill(name);

/** keepalived.stats as `Section.Label` → value (`Packet Errors.TTL`, `Became master`, ...) for one instance. */
const parseStats = (text: string, instance = 'VI_1'): Stats => instanceStats(parseKeepalivedStats(text), instance);

describe.skipIf(!requireNetnsOrSkip())('bad adverts are dropped and counted', () => {
  let lab: Lab;
  let kats: Node;
  let keepalived: Node;
  let sender: Node;
  const targets = (): { node: Node; vrid: number; vip: string }[] => [
    { node: kats, vrid: 51, vip: `10.99.${SUBNET}.100` },
    { node: keepalived, vrid: 61, vip: `10.99.${SUBNET}.101` },
  ];
  const all = (): Node[] => [kats, keepalived];
  const why = (extra = ''): string => [extra, ...targets().map(({ node, vip }) => node.describe(vip))].filter(Boolean).join('\n');

  /** SIGUSR2 to the daemon's parent (it passes it to the VRRP child), then keepalived.stats once complete. */
  async function stats(node: Node): Promise<Stats> {
    const file = path.join(node.running!.tmpDir, 'keepalived.stats');
    fs.rmSync(file, { force: true });
    node.running!.proc.kill('SIGUSR2');
    let parsed: Stats = {};
    await waitFor(
      `${file} from ${node.name}`,
      () => {
        if (!fs.existsSync(file)) return false;
        parsed = parseStats(fs.readFileSync(file, 'utf8'));
        return 'Priority Zero.Sent' in parsed;
      },
      SLACK_MS,
      () => why(),
    );
    return parsed;
  }

  /** What changed between two snapshots (only the counters that moved). */
  function moved(before: Stats, after: Stats): Stats {
    const diff: Stats = {};
    for (const [key, value] of Object.entries(after)) if (value !== before[key]) diff[key] = value - (before[key] ?? 0);
    return diff;
  }

  function send(vrid: number, cases: string[], priority = 254): void {
    const spec = { src: sender.address4, vrid, password: PASSWORD, vips: [`10.99.${SUBNET}.${vrid === 51 ? 100 : 101}`], priority, advertInt: MODE.advertInt, cases };
    execFileSync('ip', ['netns', 'exec', sender.ns, process.execPath, DRIVER, 'eth0', JSON.stringify(spec)], { encoding: 'utf8', timeout: 20_000 });
  }

  /** Log lines after a mark, without keepalived's `date: ` prefix. */
  const linesAfter = (node: Node, mark: number): string[] => node.running!.lines.slice(mark).map((l) => l.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /, ''));

  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('bad-adverts'));
    kats = new Node(lab, 1, 'kats');
    keepalived = new Node(lab, 2, 'keepalived');
    // runs no daemon: the driver sends from it
    sender = new Node(lab, 9, 'kats', 'sender');
    for (const { node, vrid, vip } of targets()) node.start(vrrpConfig(MODE, node, [], { vrid, vip, priority: PRIORITY }));
    await Promise.all(targets().map(({ node, vip }) => expectMaster(`${node.name} MASTER`, node, [], vip, masterDownMs(MODE, PRIORITY) + SLACK_MS)));
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
  });

  /** What the sender sends for each case (REPEAT bad packets), what counters move, and the line each packet makes (and how many). */
  const CASES: { title: string; outcome: string; sends: string[]; counters: Stats; line: string; lines?: number }[] = [
    { title: 'TTL 64', outcome: 'Packet Errors: TTL counts it', sends: bad('ttl'), counters: { 'Packet Errors.TTL': REPEAT }, line: '(VI_1) invalid TTL/HL. Received 64 and expect 255' },
    { title: 'a wrong password', outcome: 'Authentication Errors: Failure counts it', sends: bad('password'), counters: { 'Authentication Errors.Failure': REPEAT }, line: '(VI_1) received an invalid passwd!' },
    { title: 'a bad checksum', outcome: 'no counter of the stats file moves (only the checksum counter SNMP shows)', sends: bad('checksum'), counters: {}, line: '(VI_1) Invalid VRRPv2 checksum' },
    { title: 'a short packet', outcome: 'Packet Errors: Length counts it', sends: bad('short'), counters: { 'Packet Errors.Length': REPEAT }, line: '(VI_1) vrrp packet too short, length 36 and expect 40' },
    // another VRID is not ours at all; the right lower-priority advert after them shows they were read (and it alone counted)
    {
      title: 'another VRID',
      outcome: 'not even counted (a right advert sent after it is)',
      sends: [...bad('vrid'), 'lower'],
      counters: { 'Advertisements.Received': 1 },
      line: `(VI_1) Received advert from 10.99.${SUBNET}.9 with lower priority 50, ours ${PRIORITY}`,
      lines: 1,
    },
  ];

  for (const c of CASES) {
    it(`${c.title}: dropped, ${c.outcome}, MASTER stays`, async () => {
      const before = await Promise.all(all().map(stats));
      const marks = all().map((n) => n.running!.lines.length);
      // keepalived writes a line per packet, keepalived-ts the first of a kind (it counts the repeats)
      const count = (n: Node): number => (n === kats ? 1 : (c.lines ?? REPEAT));
      const seen = (n: Node, i: number): number => linesAfter(n, marks[i]!).filter((l) => l.startsWith(c.line) && !SUMMARY.test(l)).length;
      for (const { vrid } of targets()) send(vrid, c.sends);
      // the packets are on the wire once the driver exits: wait for the daemons to have read them
      for (const [i, n] of all().entries()) await waitFor(`${count(n)} × "${c.line}" from ${n.name}`, () => seen(n, i) >= count(n), SLACK_MS, () => why());
      await new Promise((r) => setTimeout(r, 300));
      const after = await Promise.all(all().map(stats));
      const [katsMoved, keepalivedMoved] = all().map((_, i) => moved(before[i]!, after[i]!));
      // only our own adverts go out meanwhile
      for (const m of [katsMoved, keepalivedMoved]) delete m['Advertisements.Sent'];
      const detail = why(`keepalived-ts moved ${JSON.stringify(katsMoved)}, keepalived moved ${JSON.stringify(keepalivedMoved)}`);
      expect(katsMoved, detail).toEqual(c.counters);
      expect(keepalivedMoved, detail).toEqual(c.counters);
      for (const [i, n] of all().entries()) {
        expect(linesAfter(n, marks[i]!).join('\n'), detail).not.toMatch(/Entering \w+ STATE/);
        expect(seen(n, i), detail).toBe(count(n));
      }
      // keepalived-ts logs for these packets what keepalived logs, each kind once (keepalived's second burst of
      // gratuitous ARPs, or an earlier case's summary, may fall in between)
      const vrrpLines = (n: Node, i: number): string[] =>
        linesAfter(n, marks[i]!).filter((l) => l.startsWith('(VI_1)') && !l.includes('gratuitous ARPs') && !SUMMARY.test(l));
      expect(vrrpLines(kats, 0), detail).toEqual([...new Set(vrrpLines(keepalived, 1))]);
      for (const { node, vip } of targets()) expect(node.state() === 'MASTER' && node.has(vip), detail).toBe(true);
    });
  }

  it('keepalived-ts sums up the repeats it held back: one line per kind with their count, 10 s after the first', async () => {
    for (const c of CASES.filter((k) => k.lines === undefined)) {
      const summary = `${c.line} (${REPEAT - 1} more in the last 10 s)`;
      await waitFor(`"${summary}" from keepalived-ts`, () => linesAfter(kats, 0).includes(summary), 10_000 + SLACK_MS, () => why());
    }
  }, 60_000);

  it("a stranger's flood of right lower-priority adverts: each counted by both, logged by keepalived-ts once and then with a count", async () => {
    const FLOOD = 50;
    const before = await Promise.all(all().map(stats));
    const marks = all().map((n) => n.running!.lines.length);
    const line = `(VI_1) Received advert from 10.99.${SUBNET}.9 with lower priority 50, ours ${PRIORITY}, forcing new election`;
    const lines = (n: Node, i: number): string[] => linesAfter(n, marks[i]!).filter((l) => l.startsWith(line));
    for (const { vrid } of targets()) send(vrid, Array<string>(FLOOD).fill('lower'));
    await waitFor(`${FLOOD} × "${line}" from keepalived`, () => lines(keepalived, 1).length >= FLOOD, SLACK_MS, () => why());
    const after = await Promise.all(all().map(stats));
    for (const [i] of all().entries()) expect(after[i]!['Advertisements.Received']! - before[i]!['Advertisements.Received']!, why()).toBe(FLOOD);
    // the first (unless an earlier lower-priority line's window is still open), then one line with the count
    const summary = (l: string): number => Number(/ \((\d+) more in the last 10 s\)$/.exec(l)?.[1] ?? 0);
    await waitFor('keepalived-ts summing up the flood', () => lines(kats, 0).some((l) => summary(l) > 0), 10_000 + SLACK_MS, () => why());
    const katsLines = lines(kats, 0);
    expect(katsLines.length, why()).toBeLessThanOrEqual(2);
    expect(katsLines.reduce((n, l) => n + (summary(l) || 1), 0), why()).toBe(FLOOD);
    for (const { node, vip } of targets()) expect(node.state() === 'MASTER' && node.has(vip), why()).toBe(true);
  }, 60_000);

  it('a right advert with priority 254 does push both down to BACKUP: the others were refused for their flaw alone', async () => {
    const before = await Promise.all(all().map(stats));
    for (const { vrid } of targets()) send(vrid, ['good']);
    for (const { node, vip } of targets()) {
      await waitFor(`${node.name} BACKUP without ${vip}`, () => node.state() === 'BACKUP' && !node.has(vip), SLACK_MS, () => why());
    }
    const after = await Promise.all(all().map(stats));
    for (const [i] of all().entries()) {
      expect(after[i]!['Advertisements.Received']! - before[i]!['Advertisements.Received']!, why()).toBe(1);
      expect(after[i]!['Released master']! - before[i]!['Released master']!, why()).toBe(1);
    }
    // the sender falls silent: each takes its instance back after Master_Down_Interval
    await Promise.all(targets().map(({ node, vip }) => expectMaster(`${node.name} MASTER again`, node, [], vip, masterDownMs(MODE, PRIORITY) + SLACK_MS)));
  });
});

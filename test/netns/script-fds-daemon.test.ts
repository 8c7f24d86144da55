/**
 * Scripts see only their stdio (issue 9, finding 1), at the daemon: a VRRP router with
 * enable_script_security and script_user nobody runs a vrrp_script, notify_backup, notify, a
 * vrrp_notify_fifo script and, as notify_master, the attack — a script that looks for an inherited raw
 * VRRP socket and sends a forged VRRPv2 advert (priority 255, spoofed source) through it, captured on the
 * lab's bridge. keepalived-ts and keepalived 2.2.7 run the same configuration. keepalived passes on to its
 * scripts what it was itself started with (here the test worker's inheritable descriptors), none of its own;
 * keepalived-ts passes on nothing.
 * Needs `npm run build`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { inheritableHere, readRuns, writeFdScripts, type ScriptRun } from './fd-scripts.js';
import { Lab, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { context, MODES, Node, SLACK_MS, vrrpConfig } from './vrrp-interop-support.js';

const NOBODY = 65534;
const STDIO = { '0': '/dev/null', '1': '/dev/null', '2': '/dev/null' };
const VRID = 51;
const SCRIPTS = ['track', 'notify_backup', 'notify', 'fifo', 'notify_master'] as const;

describe.skipIf(!requireNetnsOrSkip()).each([
  ['kats', 31],
  ['keepalived', 32],
] as const)('%s: every script, run as nobody, sees only stdio and finds no socket to forge adverts with', (daemon: Daemon, subnet: number) => {
  let lab: Lab;
  let node: Node;
  let out: string;
  /** tcpdump's lines for VRRP on the bridge. */
  const wire: string[] = [];
  const forgedSource = `10.99.${subnet}.66`;
  const runs = (script: (typeof SCRIPTS)[number]): ScriptRun[] => readRuns(path.join(out, script));
  const why = (): string => `${context([node], `10.99.${subnet}.100`)()}\n--- bridge:\n    ${wire.slice(-10).join('\n    ')}`;

  beforeAll(async () => {
    const root = tempDir(`script-fds-${daemon}`);
    fs.chmodSync(root, 0o755);
    const scripts = path.join(root, 'scripts');
    fs.mkdirSync(scripts, { mode: 0o755 });
    out = path.join(root, 'out');
    fs.mkdirSync(out, { mode: 0o755 });
    fs.chownSync(out, NOBODY, NOBODY);
    const { listFds, forgeAdvert } = writeFdScripts(scripts);
    const list = (name: string): string => `"${listFds} ${path.join(out, name)}"`;

    lab = new Lab(subnet, root);
    node = new Node(lab, 1, daemon);
    const tcpdump = lab.spawn(lab.bridgeNs, 'tcpdump', ['-i', 'br0', '-n', '-l', '-U', 'ip proto 112']);
    createInterface({ input: tcpdump.stdout! }).on('line', (line) => wire.push(line));
    let listening = false;
    tcpdump.stderr!.on('data', (d: Buffer) => (listening ||= d.toString().includes('listening on')));
    await waitFor('tcpdump listening', () => listening, SLACK_MS);

    node.start(
      vrrpConfig(MODES.v3Ipv4, node, [], {
        vrid: VRID,
        vip: `10.99.${subnet}.100`,
        priority: 150,
        globals: [
          '  enable_script_security',
          '  script_user nobody',
          `  vrrp_notify_fifo ${path.join(root, 'notify.fifo')}`,
          `  vrrp_notify_fifo_script ${list('fifo')}`,
        ].join('\n'),
        preamble: `vrrp_script chk {\n  script ${list('track')}\n  interval 1\n}`,
        instance: [
          '  track_script {',
          '    chk',
          '  }',
          `  notify_backup ${list('notify_backup')}`,
          `  notify ${list('notify')}`,
          `  notify_master "${forgeAdvert} ${path.join(out, 'notify_master')} ${forgedSource} ${VRID}"`,
        ].join('\n'),
      }),
    );
    await waitFor('every script ran', () => SCRIPTS.every((s) => runs(s).length > 0), 3 * SLACK_MS, why);
    // the forged advert, if any, left before notify_master wrote its record: one of the router's own after it
    // shows the capture has gone past it
    const seen = wire.length;
    await waitFor('an advert from the router after the attack', () => wire.slice(seen).some((l) => l.includes(` ${node.address4} > `)), SLACK_MS, why);
  }, 6 * SLACK_MS);

  afterAll(async () => {
    await lab?.close();
  });

  it.each(SCRIPTS)('%s ran as nobody with only stdio open (and, under keepalived, what keepalived inherited)', (script) => {
    const expected = daemon === 'keepalived' ? { ...STDIO, ...inheritableHere() } : STDIO;
    for (const run of runs(script)) {
      expect(run.uid, why()).toBe(NOBODY);
      expect(run.fds, `${run.argv.join(' ')}\n${why()}`).toEqual(expected);
    }
  });

  it('the attack found no raw VRRP socket and no forged advert reached the wire', () => {
    expect(runs('notify_master').flatMap((r) => r.sent ?? []), why()).toEqual([]);
    expect(wire.filter((l) => l.includes(` ${forgedSource} > `)), why()).toEqual([]);
  });
});

/**
 * A virtual_server on a host without the ip_vs module, beside keepalived
 * 2.2.7: its checker cannot open IPVS, logs why and stops FATAL (start_check),
 * and the parent stops everything with "pid N exited with permanent error
 * FATAL. Terminating" and status 1 (report_child_status). Both daemons run
 * the same configuration in turn in one namespace. Skipped where ip_vs can
 * be loaded (the VM layer covers IPVS). Needs `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, type Daemon } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 163;
const CONFIG =
  `virtual_server 10.99.${SUBNET}.100 80 {\n  delay_loop 5\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n` +
  `  real_server 10.99.${SUBNET}.2 80 {\n    TCP_CHECK {\n      connect_timeout 2\n    }\n  }\n}\n`;

/** ip_vs loaded already, or loadable: then IPVS opens and there is nothing to see here. */
const ipvsAvailable = (): boolean => fs.existsSync('/proc/net/ip_vs') || spawnSync('modinfo', ['ip_vs'], { stdio: 'ignore' }).status === 0;

/** The line without keepalived's time stamp or our log prefix: from `from` on. */
const from = (lines: string[], text: string): string[] => lines.filter((l) => l.includes(text)).map((l) => l.slice(l.indexOf(text)));

describe.skipIf(!requireNetnsOrSkip() || ipvsAvailable())('a virtual_server without IPVS beside keepalived 2.2.7', () => {
  let lab: Lab;
  let ns: string;

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('checker-no-ipvs'));
    ns = lab.addNode(1);
  });
  afterAll(async () => {
    await lab?.close();
  });

  /** Runs `daemon` until it exits by itself (bounded: killed after 30 s). */
  async function run(daemon: Daemon): Promise<{ lines: string[]; status: number | null }> {
    const r = lab.start(ns, daemon, CONFIG, { vrrpOnly: false });
    const timer = setTimeout(() => void lab.killAllAndWait(r), 30_000);
    try {
      return { status: await r.exited, lines: r.lines };
    } finally {
      clearTimeout(timer);
    }
  }

  it('stops the whole daemon with status 1 and the same lines, as keepalived', async () => {
    const theirs = await run('keepalived');
    const ours = await run('kats');
    const context = `keepalived:\n${theirs.lines.join('\n')}\nkeepalived-ts:\n${ours.lines.join('\n')}`;
    expect(theirs.status, context).toBe(1);
    expect(ours.status, context).toBe(1);
    for (const text of ["IPVS: Can't initialize ipvs:", 'Initializing ipvs']) expect(from(ours.lines, text), context).toEqual(from(theirs.lines, text));
    const fatal = (lines: string[]): string[] => from(lines, 'exited with permanent error').map((l) => l.replace(/\d+/, 'N'));
    expect(fatal(theirs.lines)).toEqual(['exited with permanent error FATAL. Terminating']);
    const terminating = (lines: string[]): string[] => lines.filter((l) => / pid \d+ exited with permanent error FATAL\. Terminating$/.test(l));
    expect(terminating(theirs.lines), context).toHaveLength(1);
    expect(terminating(ours.lines), context).toHaveLength(1);
    expect(fatal(ours.lines)).toEqual(fatal(theirs.lines));
  }, 90_000);
});

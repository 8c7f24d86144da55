/**
 * ha_suspend beside keepalived 2.2.7: a virtual server whose address is not on the director at start, then added to
 * its eth0, then removed; its real server, on another node, counts the checks it gets. IPVS is faked for both daemons
 * (this kernel has no ip_vs). Each daemon must say what keepalived says (Deactivating, Activating, Suspending
 * healthchecker) and check only while the address is there.
 *
 * Needs `npm run build` and `npm run build:lab`; keepalived's half needs /usr/sbin/keepalived and a C compiler.
 */
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { buildSockoptPreload, FAKE_IPVS_NODE_OPTIONS } from '../../lab/fake-ipvs/index.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 92;
const VS = `10.99.${SUBNET}.100`;
const REAL_SERVER = `10.99.${SUBNET}.2`;
const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;

const CONFIG = `global_defs {
  router_id lb1
}

virtual_server ${VS} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  ha_suspend
  real_server ${REAL_SERVER} 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      warmup 0
    }
  }
}
`;

/** Prints a line for each connection it accepts. */
const LISTENER = `require('node:net').createServer((s) => { console.log('check'); s.end(); }).listen(80, '${REAL_SERVER}', () => console.log('listening'))`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!requireNetnsOrSkip())('ha_suspend beside keepalived', () => {
  let lab: Lab;
  let director: string;
  let checks = 0;
  let preload: { so: string } | { why: string };

  beforeAll(async () => {
    const dir = tempDir('ha-suspend');
    lab = new Lab(SUBNET, dir);
    director = lab.addNode(1);
    const realServer = lab.addNode(2);
    preload = haveKeepalived ? buildSockoptPreload(dir) : { why: 'keepalived is not installed' };
    const server = lab.spawn(realServer, process.execPath, ['-e', LISTENER]);
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: server.stdout! }).on('line', (line) => (line === 'listening' ? resolve() : checks++));
      server.once('exit', (code) => reject(new Error(`the real server exited (${code})`)));
    });
  }, 20_000);

  afterAll(async () => {
    await lab?.close();
  });

  /** The healthchecker lines and the checks the real server got: without the address, with it, without it again. */
  const run = async (daemon: Daemon, env: Record<string, string>): Promise<{ lines: string[]; checks: number[] }> => {
    const r = lab.start(director, daemon, CONFIG, { vrrpOnly: false, env });
    const lines = (): string[] => r.lines.flatMap((l) => /((?:Dea|A)ctivating|Suspending) healthchecker .*/.exec(l)?.[0] ?? []);
    const log = (): string => r.lines.join('\n');
    const counted: number[] = [];
    const window = async (): Promise<void> => {
      const before = checks;
      await sleep(3_000);
      counted.push(checks - before);
    };
    try {
      await waitFor('the checker deactivated', () => lines().length >= 1, 15_000, log);
      await window();
      spawnSync('ip', ['-n', director, 'addr', 'add', `${VS}/24`, 'dev', 'eth0']);
      await waitFor('the checker activated', () => lines().length >= 2, 10_000, log);
      await window();
      spawnSync('ip', ['-n', director, 'addr', 'del', `${VS}/24`, 'dev', 'eth0']);
      await waitFor('the checker suspended', () => lines().length >= 3, 10_000, log);
      // a check under way as the address went may still land
      await sleep(1_500);
      await window();
    } finally {
      await lab.stop(r);
    }
    return { lines: lines(), checks: counted };
  };

  it('deactivates, activates and suspends the checker as keepalived does, and checks only while the address is there', async () => {
    const ours = await run('kats', { NODE_OPTIONS: FAKE_IPVS_NODE_OPTIONS });
    const theirs = 'so' in preload ? await run('keepalived', { LD_PRELOAD: preload.so }) : undefined;
    if (!theirs) console.info(`keepalived not run: ${'why' in preload ? preload.why : ''}`);
    console.info(`keepalived-ts: ${JSON.stringify(ours)}\nkeepalived: ${JSON.stringify(theirs)}`);
    const rs = `[${REAL_SERVER}]:tcp:80 for VS [${VS}]:tcp:80`;
    expect(ours.lines).toEqual([`Deactivating healthchecker for service ${rs}`, `Activating healthchecker for service ${rs}`, `Suspending healthchecker for service ${rs}`]);
    expect(ours.checks[0]).toBe(0);
    expect(ours.checks[1]).toBeGreaterThan(0);
    expect(ours.checks[2]).toBe(0);
    if (theirs) {
      expect(ours.lines).toEqual(theirs.lines);
      expect(theirs.checks.map((n) => n > 0)).toEqual(ours.checks.map((n) => n > 0));
    }
  }, 90_000);
});

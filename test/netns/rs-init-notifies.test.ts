/**
 * rs_init_notifies beside keepalived 2.2.7: a virtual server whose real servers start alive (one alpha, waiting for
 * its check) under each daemon in turn, IPVS faked for both as the soak fakes it (this kernel has no ip_vs). What
 * the lvs_notify_fifo carries and what the notify_up scripts record must be keepalived's, line for line.
 *
 * Needs `npm run build` and `npm run build:lab`; keepalived's half needs /usr/sbin/keepalived and a C compiler.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { buildSockoptPreload, FAKE_IPVS_NODE_OPTIONS } from '../../lab/fake-ipvs/index.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 88;
const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;

const server = (n: number, alpha = false): string => `  real_server 10.99.${SUBNET}.${n} 80 {
    weight 1
    notify_up "RECORD up ${n}"
${alpha ? '    alpha\n' : ''}    MISC_CHECK {
      misc_path /bin/true
      warmup 0
    }
  }
`;

const config = (fifo: string, record: string): string =>
  `global_defs {
  router_id lb1
  script_user root
  enable_script_security
  rs_init_notifies
  lvs_notify_fifo ${fifo}
}

virtual_server 10.99.${SUBNET}.100 80 {
  delay_loop 60
  lb_algo rr
  lb_kind NAT
  protocol TCP
${[server(11), server(12), server(13, true)].join('')}}
`.replaceAll('RECORD', record);

describe.skipIf(!requireNetnsOrSkip())('rs_init_notifies beside keepalived', () => {
  let lab: Lab;
  let director: string;
  let dir: string;
  let preload: { so: string } | { why: string };

  beforeAll(() => {
    dir = tempDir('rs-init-notifies');
    // the scripts' directory must be root's alone for enable_script_security
    fs.chmodSync(dir, 0o755);
    lab = new Lab(SUBNET, dir);
    director = lab.addNode(1);
    preload = haveKeepalived ? buildSockoptPreload(dir) : { why: 'keepalived is not installed' };
  });

  afterAll(async () => {
    await lab?.close();
  });

  /** The FIFO's lines and the scripts' records from the start until the alpha server's first check has passed. */
  const run = async (daemon: Daemon, env: Record<string, string>): Promise<{ fifo: string[]; scripts: string[] }> => {
    const fifo = path.join(dir, `${daemon}.fifo`);
    const out = path.join(dir, `${daemon}.records`);
    const record = path.join(dir, `${daemon}-record.sh`);
    fs.writeFileSync(record, `#!/bin/sh\necho "$@" >> ${out}\n`, { mode: 0o755 });
    fs.writeFileSync(out, '');
    spawnSync('mkfifo', ['-m', '600', fifo]);
    const fifoText: string[] = [];
    const reader: ChildProcess = spawn('sh', ['-c', 'exec cat 0<>"$1"', 'sh', fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    reader.stdout!.on('data', (d: Buffer) => fifoText.push(d.toString('latin1')));
    const r = lab.start(director, daemon, config(fifo, record), { vrrpOnly: false, env });
    // each line ends with the NUL of keepalived's C string
    const lines = (): string[] => fifoText.join('').replaceAll('\0', '').split('\n').filter((l) => l !== '');
    try {
      // two servers up at start, the quorum, then the alpha server's first success
      await waitFor('the FIFO lines', () => lines().length >= 4, 15_000, () => `${r.lines.join('\n')}\nFIFO: ${JSON.stringify(lines())}`);
      // a line more than expected would show here
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      await lab.stop(r);
      reader.kill('SIGKILL');
    }
    // scripts started together may finish in either order
    return { fifo: lines(), scripts: fs.readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').sort() };
  };

  it('writes the FIFO lines keepalived does, in its order, and runs the same notify_up scripts', async () => {
    const ours = await run('kats', { NODE_OPTIONS: FAKE_IPVS_NODE_OPTIONS });
    const theirs = 'so' in preload ? await run('keepalived', { LD_PRELOAD: preload.so }) : undefined;
    if (!theirs) console.info(`keepalived not run: ${'why' in preload ? preload.why : ''}`);
    console.info(`keepalived-ts: ${JSON.stringify(ours)}\nkeepalived: ${JSON.stringify(theirs)}`);
    const VS = `[10.99.${SUBNET}.100]:tcp:80`;
    expect(ours.fifo).toEqual([
      `RS [10.99.${SUBNET}.11]:tcp:80 ${VS} UP`,
      `RS [10.99.${SUBNET}.12]:tcp:80 ${VS} UP`,
      `VS ${VS} UP`,
      `RS [10.99.${SUBNET}.13]:tcp:80 ${VS} UP`,
    ]);
    expect(ours.scripts).toEqual(['up 11', 'up 12', 'up 13']);
    if (theirs) expect(ours).toEqual(theirs);
  }, 60_000);
});

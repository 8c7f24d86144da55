/**
 * The checker's e-mail alerts beside keepalived 2.2.7: a director with one virtual server (smtp_alert, quorum 1)
 * whose real server answers TCP on another node of the lab, and an SMTP sink (lab/smtp-sink.mjs) on a third. IPVS is
 * faked for both daemons, as the soak fakes it (lab/fake-ipvs/): this kernel has no ip_vs. Each daemon in turn
 * starts, sees the real server go and come back, and is stopped; the sink records every conversation: keepalived-ts's
 * must be keepalived's, the Date aside, in each step (mails sent at once may arrive in either order).
 *
 * Needs `npm run build` and `npm run build:lab`; keepalived's half needs /usr/sbin/keepalived and a C compiler.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { buildSockoptPreload, FAKE_IPVS_NODE_OPTIONS } from '../../lab/fake-ipvs/index.js';
import { startSmtpSink } from '../../lab/smtp-sink-process.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 86;
const SINK = `10.99.${SUBNET}.9`;
const REAL_SERVER = `10.99.${SUBNET}.2`;
const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;

const CONFIG = `global_defs {
  router_id lb1
  notification_email {
    ops@example.com
  }
  notification_email_from keepalived@lb1.example.com
  smtp_server ${SINK} 25
  smtp_helo_name lb1.example.com
  smtp_connect_timeout 5
}

virtual_server 10.99.${SUBNET}.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 1
  smtp_alert
  real_server ${REAL_SERVER} 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
`;

/** A TCP server that closes each connection it accepts: enough for TCP_CHECK. */
const LISTENER = `require('node:net').createServer((s) => s.end()).listen(80, '${REAL_SERVER}', () => console.log('listening'))`;

describe.skipIf(!requireNetnsOrSkip())("the checker's e-mail alerts beside keepalived", () => {
  let lab: Lab;
  let director: string;
  let realServer: string;
  let preload: { so: string } | { why: string };
  let conversations: string[][] = [];

  beforeAll(async () => {
    const dir = tempDir('checker-mails');
    lab = new Lab(SUBNET, dir);
    director = lab.addNode(1);
    realServer = lab.addNode(2);
    const mailHost = lab.addNode(9);
    preload = haveKeepalived ? buildSockoptPreload(dir) : { why: 'keepalived is not installed' };
    conversations = await startSmtpSink(lab, mailHost, SINK);
  }, 20_000);

  afterAll(async () => {
    await lab?.close();
  });

  const listen = async (): Promise<ChildProcess> => {
    const server = lab.spawn(realServer, process.execPath, ['-e', LISTENER]);
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', () => resolve());
      server.once('exit', (code) => reject(new Error(`the real server exited (${code})`)));
    });
    return server;
  };

  /** The conversations of each step, the Date masked and sorted within the step. */
  const run = async (daemon: Daemon, env: Record<string, string>): Promise<string[][][]> => {
    const steps: string[][][] = [];
    let seen = conversations.length;
    const step = async (what: string, mails: number, log: () => string): Promise<void> => {
      await waitFor(what, () => conversations.length >= seen + mails, 15_000, log);
      // a mail more than expected would show here
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const got = conversations.slice(seen).map((lines) => lines.map((l) => (l.startsWith('Date: ') ? 'Date: DATE' : l)));
      steps.push(got.sort((x, y) => x.join('\n').localeCompare(y.join('\n'))));
      seen = conversations.length;
    };
    let server = await listen();
    const r = lab.start(director, daemon, CONFIG, { vrrpOnly: false, env });
    const log = (): string => r.lines.join('\n');
    try {
      await step('the quorum mail at start', 1, log);
      server.kill('SIGKILL');
      await step('the real server and quorum DOWN mails', 2, log);
      server = await listen();
      await step('the real server and quorum UP mails', 2, log);
    } finally {
      server.kill('SIGKILL');
      await lab.stop(r);
    }
    return steps;
  };

  it('sends what keepalived sends: quorum at start, the real server and quorum as it goes and comes back', async () => {
    const ours = await run('kats', { NODE_OPTIONS: FAKE_IPVS_NODE_OPTIONS });
    const theirs = 'so' in preload ? await run('keepalived', { LD_PRELOAD: preload.so }) : undefined;
    if (!theirs) console.info(`keepalived not run: ${'why' in preload ? preload.why : ''}`);
    console.info(`keepalived-ts:\n${JSON.stringify(ours, null, 1)}\nkeepalived:\n${JSON.stringify(theirs, null, 1)}`);
    const subjectsAndBodies = (steps: string[][][]): string[][] => steps.map((mails) => mails.map((lines) => `${lines.find((l) => l.startsWith('Subject: '))} | ${lines[lines.indexOf('') + 1]}`));
    const VS = `[10.99.${SUBNET}.100]:tcp:80`;
    const RS = `[${REAL_SERVER}]:tcp:80`;
    expect(subjectsAndBodies(ours)).toEqual([
      [`Subject: [lb1] Virtualserver ${VS} - UP | => Starting with quorum up 1+0=1 <= 1 <=`],
      [`Subject: [lb1] Realserver ${RS} of virtual server ${VS} - DOWN | => TCP CHECK failed on service <=`, `Subject: [lb1] Virtualserver ${VS} - DOWN | => Lost quorum 1+0=1 <= 0 <=`],
      [`Subject: [lb1] Realserver ${RS} of virtual server ${VS} - UP | => TCP CHECK succeed on service <=`, `Subject: [lb1] Virtualserver ${VS} - UP | => Gained quorum 1+0=1 <= 1 <=`],
    ]);
    if (theirs) expect(ours).toEqual(theirs);
  }, 120_000);
});

/**
 * E-mail alerts beside keepalived 2.2.7: a director with smtp_alert, and an SMTP sink (lab/smtp-sink.mjs) on another
 * node of the lab. Each daemon in turn starts the instance (BACKUP at init, MASTER once no advert came), is stopped
 * with SIGTERM, and the sink records every conversation: keepalived-ts's must be keepalived's, the Date aside.
 *
 * Needs `npm run build`; keepalived's half needs /usr/sbin/keepalived.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, lastState, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { startSmtpSink } from '../../lab/smtp-sink-process.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 83;
const SINK = `10.99.${SUBNET}.9`;
const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;

const CONFIG = `global_defs {
  router_id lb1
  notification_email {
    ops@example.com
    noc@example.com
  }
  notification_email_from keepalived@lb1.example.com
  smtp_server ${SINK} 25
  smtp_helo_name lb1.example.com
  smtp_connect_timeout 5
}

vrrp_instance VI_1 {
  state MASTER
  interface eth0
  version 3
  virtual_router_id ${SUBNET}
  priority 150
  advert_int 0.2
  smtp_alert
  virtual_ipaddress {
    10.99.${SUBNET}.100/24
  }
}
`;

describe.skipIf(!requireNetnsOrSkip())('e-mail alerts beside keepalived', () => {
  let lab: Lab;
  let director: string;
  let conversations: string[][] = [];

  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('smtp-alerts'));
    director = lab.addNode(1);
    const mailHost = lab.addNode(9);
    conversations = await startSmtpSink(lab, mailHost, SINK);
  }, 20_000);

  afterAll(async () => {
    await lab?.close();
  });

  /** The daemon from start to MASTER to SIGTERM; the conversations the sink recorded, the Date masked. */
  const run = async (daemon: Daemon): Promise<string[][]> => {
    const before = conversations.length;
    const r = lab.start(director, daemon, CONFIG);
    const log = (): string => r.lines.join('\n');
    await waitFor('MASTER', () => lastState(r) === 'MASTER', 10_000, log);
    await waitFor('the BACKUP and MASTER mails', () => conversations.length >= before + 2, 10_000, log);
    await lab.stop(r);
    // the Stopping mail, if the daemon sends it before it exits
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return conversations.slice(before).map((lines) => lines.map((l) => (l.startsWith('Date: ') ? 'Date: DATE' : l)));
  };

  it('sends the conversations keepalived sends: HELO, MAIL, RCPT each, DATA, its headers, subjects and bodies', async () => {
    const ours = await run('kats');
    const theirs = haveKeepalived ? await run('keepalived') : undefined;
    console.info(`keepalived-ts:\n${JSON.stringify(ours, null, 1)}\nkeepalived:\n${JSON.stringify(theirs, null, 1)}`);
    const subjects = (mails: string[][]): string[] => mails.map((lines) => lines.find((l) => l.startsWith('Subject: '))!);
    expect(subjects(ours).slice(0, 2)).toEqual(['Subject: [lb1] VRRP Instance VI_1 - Entering BACKUP state', 'Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state']);
    expect(ours[1]).toEqual([
      'HELO lb1.example.com',
      'MAIL FROM:<keepalived@lb1.example.com>',
      'RCPT TO:<ops@example.com>',
      'RCPT TO:<noc@example.com>',
      'DATA',
      'Date: DATE',
      'From: keepalived@lb1.example.com',
      'Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state',
      'X-Mailer: Keepalived',
      'To: ops@example.com, noc@example.com',
      '',
      '=> VRRP Instance is now owning VRRP VIPs <=',
      '',
      '.',
      'QUIT',
    ]);
    if (theirs) expect(ours).toEqual(theirs);
  }, 60_000);
});

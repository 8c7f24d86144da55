/**
 * The checker's e-mail alerts, as keepalived 2.2.7 gates and words them: a checker's verdict mails with its type's
 * body when its own state changed (MISC_CHECK at every verdict) and the real server has smtp_alert, and under
 * no_checker_emails only when the real server's state changed too; quorum changes mail with smtp_alert on the
 * virtual server; a reload that takes out a live real server mails `=> Removing <=`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckerSet } from '../../../src/check/checker-set.js';
import { IpvsSync } from '../../../src/check/ipvs-sync.js';
import type { CheckConfig } from '../../../src/config/check/index.js';
import { parseConfig } from '../../../src/config/parse.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { FakeClock } from '../../../lab/fakes/clock.js';
import { fakeSystem } from '../config/check-helpers.js';
import { tempDir } from '../../tmp.js';

const S = 1_000_000;
const VS = '[10.99.1.100]:tcp:80';
const rsMail = (state: 'UP' | 'DOWN', body: string) => `Realserver [10.99.1.11]:tcp:80 of virtual server ${VS} - ${state} | ${body}`;

function configOf(text: string): CheckConfig {
  const dir = tempDir('checker-mails');
  fs.writeFileSync(path.join(dir, 'keepalived.conf'), text);
  return parseConfig('keepalived.conf', { cwd: dir, system: fakeSystem(), testMode: true, randomSeed: 1 }).config.check;
}

/** Two TCP checks (ports 80 and 81) on each real server: one failing leaves the server down, as does the second. */
const server = (address: string, extra = '') =>
  ` real_server ${address} 80 {\n  weight 1\n  ${extra}\n  TCP_CHECK {\n   retry 0\n  }\n  TCP_CHECK {\n   retry 0\n   connect_port 81\n  }\n }\n`;
const vsText = (body: string) => `virtual_server 10.99.1.100 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n delay_loop 5\n${body}}\n`;

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function world(config: CheckConfig, noCheckerEmails = false) {
  const clock = new FakeClock();
  const { port } = fakeIpvsPort();
  const { log } = fakeLogger();
  const mails: string[] = [];
  const mail = (subject: string, body: string) => mails.push(`${subject} | ${body}`);
  const ipvsSync = new IpvsSync(config, { ipvs: port, clock, log, notify: () => undefined, fifo: () => undefined, mail });
  /** Failing probes, by `address:port`. */
  const failing = new Set<string>();
  const set = new CheckerSet(
    config,
    { logAllFailures: false, noCheckerEmails },
    {
      clock,
      probe: async ({ rs, checker }) => {
        const port = checker.type === 'TCP_CHECK' ? checker.connection.dst?.port : undefined;
        const ok = !failing.has(`${rs.addr.address}:${port ?? rs.addr.port}`);
        return checker.type === 'MISC_CHECK' ? { ok, outcome: ok ? 'succeeded' : 'failed', message: `misc ${ok}` } : { ok };
      },
      log: () => undefined,
      ipvsSync,
      fileValue: () => 0,
      random: () => 0,
      mail,
    },
  );
  const start = async () => {
    await ipvsSync.start();
    set.start();
    await settle();
  };
  const advance = async (us: number) => {
    clock.advance(us);
    await settle();
  };
  /** The mails sent in the delay_loop after a change of what fails. */
  const after = async (change: () => void) => {
    change();
    await advance(5 * S);
    return mails.splice(0);
  };
  return { mails, failing, set, ipvsSync, start, advance, after };
}

describe("the checker's mails", () => {
  it('a checker that fails mails with the real server’s state after it; the second failure mails too, unless no_checker_emails', async () => {
    const failed = rsMail('DOWN', '=> TCP CHECK failed on service <=');
    for (const noCheckerEmails of [false, true]) {
      const w = world(configOf(vsText(server('10.99.1.11'))), noCheckerEmails);
      await w.start();
      await w.advance(1 * S);
      // first verdicts of checkers that start up: nothing changed, nothing mailed
      expect(w.mails).toEqual([]);
      expect(await w.after(() => w.failing.add('10.99.1.11:80'))).toEqual([failed]);
      // the server is down already: its second checker's failure changes only that checker
      expect(await w.after(() => w.failing.add('10.99.1.11:81'))).toEqual(noCheckerEmails ? [] : [failed]);
      // one back: still down; both back: up
      expect(await w.after(() => w.failing.delete('10.99.1.11:80'))).toEqual(noCheckerEmails ? [] : [rsMail('DOWN', '=> TCP CHECK succeed on service <=')]);
      expect(await w.after(() => w.failing.delete('10.99.1.11:81'))).toEqual([rsMail('UP', '=> TCP CHECK succeed on service <=')]);
      w.set.stop();
    }
  });

  it('MISC_CHECK mails at each verdict, its first success too, whatever the checker was', async () => {
    for (const noCheckerEmails of [false, true]) {
      const w = world(configOf(vsText(' real_server 10.99.1.11 80 {\n  MISC_CHECK {\n   misc_path /bin/true\n   retry 0\n  }\n }\n')), noCheckerEmails);
      await w.start();
      await w.advance(1 * S);
      expect(w.mails.splice(0)).toEqual(noCheckerEmails ? [] : [rsMail('UP', '=> MISC CHECK succeeded on service <=')]);
      expect(await w.after(() => w.failing.add('10.99.1.11:80'))).toEqual([rsMail('DOWN', '=> MISC CHECK failed on service <=')]);
      w.set.stop();
    }
  });

  it('smtp_alert off on the real server: no mail for its checkers', async () => {
    const w = world(configOf(vsText(server('10.99.1.11', 'smtp_alert off'))));
    await w.start();
    await w.advance(1 * S);
    expect(await w.after(() => w.failing.add('10.99.1.11:80'))).toEqual([]);
    w.set.stop();
  });

  it('quorum with smtp_alert on the virtual server: up from the start, lost, gained, with keepalived’s Q+H=T', async () => {
    const addresses = ['10.99.1.11', '10.99.1.12', '10.99.1.13'];
    const w = world(configOf(vsText(` smtp_alert\n quorum 2\n hysteresis 1\n${addresses.map((a) => server(a, 'smtp_alert off')).join('')}`)));
    await w.start();
    expect(w.mails.splice(0)).toEqual([`Virtualserver ${VS} - UP | => Starting with quorum up 2+1=3 <= 3 <=`]);
    await w.advance(1 * S);
    // two down leave weight 1, at the threshold to lose (2-1): quorum holds
    expect(await w.after(() => ['10.99.1.11:80', '10.99.1.12:80'].forEach((x) => w.failing.add(x)))).toEqual([]);
    expect(await w.after(() => w.failing.add('10.99.1.13:80'))).toEqual([`Virtualserver ${VS} - DOWN | => Lost quorum 2+1=1 <= 0 <=`]);
    expect(await w.after(() => w.failing.clear())).toEqual([`Virtualserver ${VS} - UP | => Gained quorum 2+1=3 <= 3 <=`]);
    w.set.stop();
  });

  it('a reload that takes out a live real server mails "Removing"', async () => {
    const before = configOf(vsText(`${server('10.99.1.11')}${server('10.99.1.12')}`));
    const w = world(before);
    await w.start();
    await w.advance(1 * S);
    const summary = w.set.reload(configOf(vsText(server('10.99.1.11'))), { logAllFailures: false, noCheckerEmails: false });
    await summary.sync;
    expect(w.mails).toEqual([`Realserver [10.99.1.12]:tcp:80 of virtual server ${VS} - DOWN | => Removing <=`]);
    w.set.stop();
  });
});

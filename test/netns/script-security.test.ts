/**
 * Script security fails closed, beside keepalived 2.2.7 (issue 9, findings
 * 2-4). Each case runs the same configuration under both daemons on a lone
 * node (it becomes MASTER after the master-down interval, which runs the
 * notify scripts) and checks which scripts ran and as whom:
 *  - an instance on a missing interface: keepalived's VRRP process exits with
 *    its CONFIG status and the parent stops; keepalived-ts runs no script,
 *    where keepalived still runs the unchecked generic notify as it stops;
 *  - an insecure vrrp_notify_fifo_script is never run;
 *  - the file checked is the file run: a command planted earlier in PATH, or
 *    a symbolic link re-pointed, after start-up changes nothing.
 * Needs root and `npm run build`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 31;
const VIP = `10.99.${SUBNET}.100`;
const NOBODY = 65534;
const DAEMONS: readonly Daemon[] = ['kats', 'keepalived'];
/** VRRPv2 advert_int 1: a lone node is MASTER after 3 s + skew, time enough to plant files after start-up. */
const BECOME_MASTER_MS = 15_000;

describe.skipIf(!requireNetnsOrSkip())('script security fails closed, as keepalived', () => {
  let lab: Lab;
  let ns: string;
  /** Root-owned 0755 directories: scripts here pass script security. */
  let secure: string;
  let early: string;
  /** Owned by nobody: scripts here are insecure when run as root. */
  let evil: string;
  let out: string;
  /** Where the scripts of the running case leave a line naming themselves and their uid (one per case: keepalived's
   * scripts may still run after the case that started them). */
  let ranLog: string;
  let cases = 0;
  const newCase = (): void => {
    ranLog = path.join(out, `ran-${cases++}.log`);
  };

  const ran = (): string[] => (fs.existsSync(ranLog) ? fs.readFileSync(ranLog, 'utf8').trim().split('\n').filter(Boolean) : []);

  function script(dir: string, name: string, owner = 0): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\necho "${name} uid=$(id -u)" >> ${ranLog}\n`, { mode: 0o755 });
    fs.chmodSync(file, 0o755);
    fs.chownSync(file, owner, owner);
    return file;
  }

  function config(instances: string, globals = ''): string {
    return [
      'global_defs {',
      '  enable_script_security',
      '  script_user root',
      globals,
      '}',
      instances,
    ].join('\n');
  }

  function instance(name: string, vrid: number, iface: string, extra = ''): string {
    return [
      `vrrp_instance ${name} {`,
      `  interface ${iface}`,
      `  virtual_router_id ${vrid}`,
      '  priority 150',
      '  advert_int 1',
      '  virtual_ipaddress {',
      `    ${VIP}/24`,
      '  }',
      extra,
      '}',
    ].join('\n');
  }

  async function master(r: Running): Promise<void> {
    await waitFor('MASTER', () => r.lines.some((l) => /\(VI_1\) Entering MASTER STATE/.test(l)), BECOME_MASTER_MS, () => r.lines.join('\n'));
  }

  /** The scripts a MASTER transition starts have run: their lines are in the log file (or the wait ends). */
  async function settled(expected: number): Promise<void> {
    await waitFor(`${expected} script runs`, () => ran().length >= expected, 5_000, () => ran().join('\n')).catch(() => undefined);
  }

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('script-security'));
    fs.chmodSync(lab.dir, 0o755);
    ns = lab.addNode(1);
    secure = path.join(lab.dir, 'secure');
    early = path.join(lab.dir, 'early');
    evil = path.join(lab.dir, 'evil');
    for (const dir of [secure, early, evil]) fs.mkdirSync(dir, { mode: 0o755 });
    fs.chownSync(evil, NOBODY, NOBODY);
    out = path.join(lab.dir, 'out');
    fs.mkdirSync(out, { mode: 0o1777 });
    fs.chmodSync(out, 0o1777);
  });

  afterAll(async () => {
    await lab?.close();
  });

  for (const daemon of DAEMONS) {
    it(`${daemon}: an instance on a missing interface stops the VRRP process; no script runs`, async () => {
      newCase();
      const track = script(evil, 'evil-track', NOBODY);
      const notify = script(evil, 'evil-notify', NOBODY);
      const preamble = `vrrp_script chk {\n  script "${track}"\n  interval 1\n}`;
      const good = instance('VI_1', 51, 'eth0', `  track_script {\n    chk\n  }\n  notify_master "${notify}"\n  notify "${notify}"`);
      const r = lab.start(ns, daemon, config(`${preamble}\n${good}\n${instance('VI_2', 52, 'kats-missing9')}`));
      const status = await Promise.race([r.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), BECOME_MASTER_MS))]);
      const log = r.lines.join('\n');
      if (status === 'running') await lab.stop(r);
      expect(status, log).not.toBe('running');
      expect(log).toMatch(/exited with permanent error CONFIG\. Terminating/);
      // keepalived 2.2.7 is weaker here: on its way out it runs the generic notify (STOP) it never checked, as root
      if (daemon === 'kats') expect(ran(), log).toEqual([]);
      expect(lab.hasAddress(ns, VIP)).toBe(false);
    });

    it(`${daemon}: an insecure notify FIFO script never runs; the secure notify script does`, async () => {
      newCase();
      const fifoScript = script(evil, 'evil-fifo', NOBODY);
      const notify = script(secure, 'good-notify');
      const globals = `  vrrp_notify_fifo ${path.join(lab.dir, `${daemon}.fifo`)}\n  vrrp_notify_fifo_script "${fifoScript}"`;
      const r = lab.start(ns, daemon, config(instance('VI_1', 51, 'eth0', `  notify_master "${notify}"`), globals));
      await master(r);
      await settled(2);
      await lab.stop(r);
      expect(ran(), r.lines.join('\n')).toEqual(['good-notify uid=0']);
    });

    it(`${daemon}: a command planted earlier in PATH or a re-pointed link after start-up does not run`, async () => {
      newCase();
      const name = `kats-probe-${daemon}`;
      script(secure, name);
      const linkTarget = script(secure, 'good-target');
      const other = script(secure, 'other-target');
      // in another directory than its target: keepalived runs a same-directory link by its own name
      const link = path.join(early, `link-${daemon}`);
      fs.rmSync(link, { force: true });
      fs.symlinkSync(linkTarget, link);
      const env = { PATH: `${early}:${secure}:${process.env.PATH ?? '/usr/bin:/bin'}` };
      const r = lab.start(ns, daemon, config(instance('VI_1', 51, 'eth0', `  notify_master "${name}"\n  notify "${link}"`)), { env });
      await waitFor('BACKUP', () => r.lines.some((l) => /\(VI_1\) Entering BACKUP STATE/.test(l)), BECOME_MASTER_MS, () => r.lines.join('\n'));
      fs.writeFileSync(path.join(early, name), `#!/bin/sh\necho "planted uid=$(id -u)" >> ${ranLog}\n`, { mode: 0o755 });
      fs.rmSync(link);
      fs.symlinkSync(other, link);
      await master(r);
      await settled(2);
      await lab.stop(r);
      fs.rmSync(path.join(early, name));
      // the generic notify runs at every state change: only ever the checked target
      expect([...new Set(ran())].sort(), r.lines.join('\n')).toEqual(['good-target uid=0', `${name} uid=0`].sort());
    });
  }
});

/**
 * Every file keepalived-ts writes, with a symbolic link planted at its path
 * to a file that must keep its text (keepalived's CVE-2018-19044/19045/19046
 * and their kin): the dumps in its TMPDIR (keepalived.data pre-made 0666
 * instead, as a reader waiting for auth_pass would leave it), the parent's
 * and the VRRP child's pid files, -t=LOGFILE, reload_check_config's report,
 * a track file's init_file and the global notify FIFO. Each write is driven
 * (SIGUSR1, SIGUSR2, SIGRTMIN+2, a SIGHUP with a broken configuration) and
 * must land in a new file of its own, 0600 (pid files 0644) under
 * keepalived's default umask, with a line in the log. Needs `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sigrtmin } from '../../src/base/native.js';
import { tempDir } from '../tmp.js';
import { KATS_BIN, Lab, lastState, waitFor, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 39;
const PRECIOUS = 'precious: must not change\n';

/** A file the daemon must never write, and a link to it at `at`. */
function plantLink(at: string): string {
  const target = `${at}.target`;
  fs.writeFileSync(target, PRECIOUS, { mode: 0o644 });
  fs.symlinkSync(target, at);
  return target;
}

function modeOf(file: string): number {
  return fs.lstatSync(file).mode & 0o777;
}

function isRegularFile(file: string): boolean {
  return fs.lstatSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function config(dir: string): string {
  return [
    'global_defs {',
    `  reload_check_config ${dir}/reload-check.log`,
    `  notify_fifo ${dir}/global.fifo`,
    `  vrrp_notify_fifo ${dir}/vrrp.fifo`,
    '}',
    'vrrp_track_file tracked {',
    `  file ${dir}/track`,
    '  weight 0',
    '  init_file 0 overwrite',
    '}',
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface eth0',
    '  virtual_router_id 39',
    '  priority 100',
    '  advert_int 1',
    '  authentication {',
    '    auth_type PASS',
    '    auth_pass s3cret',
    '  }',
    '  track_file {',
    '    tracked',
    '  }',
    '  virtual_ipaddress {',
    `    10.99.${SUBNET}.100/24`,
    '  }',
    '}',
    '',
  ].join('\n');
}

describe.skipIf(!requireNetnsOrSkip())('no file keepalived-ts writes is written through a planted link', () => {
  let lab: Lab;
  let ns: string;
  let r: Running;
  const targets = new Map<string, string>();
  const dir = (): string => lab.dir;
  const why = (): string => r.lines.join('\n');
  /** The planted links whose target no longer holds its text. */
  const changedTargets = (): string[] => [...targets].filter(([, target]) => fs.readFileSync(target, 'utf8') !== PRECIOUS).map(([at]) => path.basename(at));

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('file-safety'));
    ns = lab.addNode(1);
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('-t=LOGFILE: a new 0600 file in place of the link', () => {
    const log = path.join(dir(), 'config-test.log');
    const target = plantLink(log);
    const conf = path.join(dir(), 'test.conf');
    fs.writeFileSync(conf, config(dir()));
    const run = spawnSync(process.execPath, [KATS_BIN, `-t${log}`, '-f', conf], { encoding: 'utf8', timeout: 20_000 });
    expect(fs.readFileSync(target, 'utf8')).toBe(PRECIOUS);
    expect(isRegularFile(log)).toBe(true);
    expect(modeOf(log)).toBe(0o600);
    expect(run.stderr).toContain(`${log} was a symbolic link to ${target}: replaced it`);
  });

  it('dumps, pid files, the track file and the FIFO at start and on signals', async () => {
    r = lab.start(ns, 'kats', config(dir()), {
      prepare: ({ tmpDir, pidFiles }) => {
        for (const at of [path.join(tmpDir, 'keepalived.stats'), path.join(tmpDir, 'keepalived.json'), pidFiles.main, pidFiles.vrrp]) targets.set(at, plantLink(at));
        for (const at of [path.join(dir(), 'reload-check.log'), path.join(dir(), 'track'), path.join(dir(), 'global.fifo')]) targets.set(at, plantLink(at));
        const data = path.join(tmpDir, 'keepalived.data');
        fs.writeFileSync(data, 'old\n');
        fs.chmodSync(data, 0o666);
      },
    });
    // MASTER comes a timer turn after the child's signal handlers are in place (its BACKUP (init) line comes just before:
    // a SIGUSR1 between the two starts Node's inspector instead of the dump)
    await waitFor('the VRRP instance to become MASTER', () => lastState(r) === 'MASTER', 15_000, why);
    const pid = r.proc.pid!;
    const dumps = ['keepalived.data', 'keepalived.stats', 'keepalived.json'].map((name) => path.join(r.tmpDir, name));
    // each wait reads through whatever is at the path, so that the old code (writing through the links) gets to the checks below
    const written = (file: string, text: string) => (): boolean => fs.readFileSync(file, 'utf8').includes(text);
    process.kill(pid, 'SIGUSR1');
    await waitFor('keepalived.data', written(dumps[0]!, 'VRRP Instance = VI_1'), 5_000, why);
    process.kill(pid, 'SIGUSR2');
    await waitFor('keepalived.stats', written(dumps[1]!, 'VRRP Instance: VI_1'), 5_000, why);
    process.kill(pid, sigrtmin() + 2);
    await waitFor('keepalived.json', written(dumps[2]!, '"iname":"VI_1"'), 5_000, why);

    // a broken configuration: the parent writes reload_check_config's report
    fs.appendFileSync(r.config, 'vrrp_instance VI_2 {\n');
    process.kill(pid, 'SIGHUP');
    const report = path.join(dir(), 'reload-check.log');
    await waitFor('the reload_check_config report', () => r.lines.some((l) => l.includes(`New config failed validation, see ${report}`)), 5_000, why);

    expect(changedTargets()).toEqual([]);
    for (const file of [...dumps, report, path.join(dir(), 'track')]) {
      expect(isRegularFile(file), file).toBe(true);
      expect(modeOf(file), file).toBe(0o600);
    }
    expect(fs.readFileSync(dumps[0]!, 'utf8')).toContain('Password = s3cret');
    for (const file of [r.pidFiles.main, r.pidFiles.vrrp]) {
      expect(isRegularFile(file), file).toBe(true);
      expect(modeOf(file), file).toBe(0o644);
    }
    // the FIFO it makes itself is 0600 (mkfifo 0644 less keepalived's 0177); the planted link is left unopened
    const vrrpFifo = fs.lstatSync(path.join(dir(), 'vrrp.fifo'));
    expect(vrrpFifo.isFIFO()).toBe(true);
    expect(vrrpFifo.mode & 0o777).toBe(0o600);
    expect(fs.lstatSync(path.join(dir(), 'global.fifo')).isSymbolicLink()).toBe(true);
    expect(r.lines.some((l) => l.includes(`Unable to open notify fifo ${dir()}/global.fifo - errno 40`)), why()).toBe(true);
    for (const at of [...targets.keys()].filter((a) => !a.endsWith('global.fifo'))) {
      expect(r.lines.some((l) => l.includes(`${at} was a symbolic link to ${targets.get(at)}: replaced it`)), `${at}\n${why()}`).toBe(true);
    }

    await lab.stop(r);
    expect(fs.existsSync(r.pidFiles.main)).toBe(false);
    expect(fs.existsSync(r.pidFiles.vrrp)).toBe(false);
    expect(changedTargets()).toEqual([]);
  });
});

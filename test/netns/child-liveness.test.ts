/**
 * The parent's liveness watch on a real daemon: keepalived-ts --all -C in a
 * namespace (its checker child, without virtual servers, idles there,
 * answering pings);
 * the checker child is stopped with SIGSTOP, as if its event loop were stuck
 * in one long computation. The parent logs it after 10 s without an answer,
 * kills it with SIGKILL and starts a new one. Needs
 * `npm run build`; takes about 15 s.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 57;
// no virtual_server: with one the checker stops FATAL without IPVS, as keepalived's; --all runs it anyway
const CONFIG = `global_defs {\n  router_id liveness\n}\n`;

describe.skipIf(!requireNetnsOrSkip())('the parent watches its children over IPC', () => {
  let lab: Lab;
  let ns: string;
  let daemon: Running;
  const log = (): string => daemon.lines.join('\n');

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('child-liveness'));
    ns = lab.addNode(1);
  });
  afterAll(async () => {
    await lab.close();
  });

  it('a checker child that stops answering is killed after 10 s and restarted', { timeout: 60_000 }, async () => {
    daemon = lab.start(ns, 'kats', CONFIG, { vrrpOnly: false, extraArgs: ['--all', '-C'] });
    await waitFor('the checker child to run', () => log().includes("IPVS: Can't initialize ipvs"), 15_000, log);
    const stuck = Number(fs.readFileSync(daemon.pidFiles.check, 'utf8'));
    expect(log()).toContain(`Starting Healthcheck child process, pid=${stuck}`);
    process.kill(stuck, 'SIGSTOP');

    const starts = (): number => daemon.lines.filter((l) => l.includes('Starting Healthcheck child process')).length;
    await waitFor('the restarted child', () => starts() === 2, 30_000, log);
    expect(daemon.lines.filter((l) => l.includes('child process'))).toEqual([
      expect.stringContaining(`Starting Healthcheck child process, pid=${stuck}`),
      expect.stringMatching(new RegExp(`Healthcheck child process\\(${stuck}\\) not responding for 1\\d seconds: killing it$`)),
      expect.stringContaining(`Healthcheck child process(${stuck}) died: SIGKILL`),
      expect.stringMatching(/Starting Healthcheck child process, pid=\d+$/),
    ]);
    expect(fs.existsSync(`/proc/${stuck}`)).toBe(false);
    await lab.stop(daemon);
  });
});

/**
 * lab/hostile-servers.py (soak case 4's real servers) on 127.0.0.1 against the checker's own probes: the healthy
 * and the steadied flapping server pass, every hostile one fails, and each hostile connection is ended by the
 * probe (the server's lifetimes report says `client`), never left for the server to give up on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../src/check/probe.js';
import { makeHttpProbe } from '../../../src/check/probes/http.js';
import { tcpProbe } from '../../../src/check/probes/tcp.js';
import { HOSTILE_MODES, type HostileMode } from '../../../lab/hostile-servers-config.js';
import { PACKAGE_ROOT } from '../../../lab/package-root.js';
import { target } from '../check/probes/servers.js';

const SERVERS = path.join(PACKAGE_ROOT, 'lab/hostile-servers.py');
/** Far beyond the probes' 0.5 s timeout: a connection the server ends by its cap is a probe that hung. */
const CAP_S = 30;

let running: ChildProcess | undefined;
afterAll(() => {
  running?.kill('SIGKILL');
});

/** Starts the servers on a free run of ports (a taken one makes the program exit 1: another base is tried). */
async function start(): Promise<{ child: ChildProcess; base: number; report: () => Promise<string>; steady: () => Promise<void> }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const child = spawn('python3', [SERVERS, String(base), String(CAP_S), '127.0.0.1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    running = child;
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const ready = await new Promise<boolean>((resolve) => {
      child.stdout!.on('data', () => out.includes('ready') && resolve(true));
      child.once('exit', () => resolve(false));
    });
    if (!ready) continue;
    const report = (): Promise<string> =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(out.split('\n').find((l) => l.startsWith('{')) ?? ''));
        child.kill('SIGTERM');
      });
    // SIGUSR1, then the flapping server's word that it is up for good (a probe in a down second is refused)
    const steady = (): Promise<void> =>
      new Promise((resolve) => {
        const seen = (): void => void (out.includes('steadied') && resolve());
        child.stdout!.on('data', seen);
        child.kill('SIGUSR1');
        seen();
      });
    return { child, base, report, steady };
  }
  throw new Error('no free ports for the hostile servers after 10 tries');
}

const checkerFor = (mode: HostileMode): string =>
  mode === 'flap' ? 'TCP_CHECK {\nconnect_timeout 0.5\n}' : `${mode === 'tls' ? 'SSL_GET' : 'HTTP_GET'} {\nurl {\npath /\nstatus_code 200\n}\nconnect_timeout 0.5\n}`;

describe('the hostile real servers against the probes', () => {
  it('healthy and steadied flapping servers pass; every hostile one fails, its connection closed by the probe', async () => {
    const { base, report, steady } = await start();
    await steady();
    const http = makeHttpProbe();
    const never = new AbortController().signal;
    const results: [HostileMode, ProbeResult][] = await Promise.all(
      HOSTILE_MODES.map(async (mode, k): Promise<[HostileMode, ProbeResult]> => {
        const t = target(checkerFor(mode), base + k);
        return [mode, await (mode === 'flap' ? tcpProbe : http)(t, never)];
      }),
    );
    expect(Object.fromEntries(results.map(([m, r]) => [m, r.ok]))).toEqual({ ok: true, silent: false, trickle: false, headers: false, reset: false, tls: false, flap: true });
    const ended = (JSON.parse(await report()) as { ended: Record<HostileMode, Record<string, number>> }).ended;
    for (const mode of ['silent', 'trickle', 'headers', 'tls'] as const) expect([mode, ended[mode]]).toEqual([mode, { client: 1, server: 0, cap: 0 }]);
  }, 20_000);
});

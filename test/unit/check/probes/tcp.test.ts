/** TCP_CHECK against local servers: established is up, whatever follows; refused and unanswered are down. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../lab/fakes/clock.js';
import { tcpProbe } from '../../../../src/check/probes/tcp.js';
import { never, refusedPort, serve, settleAtTimeout, target, trickle, unansweredPort } from './servers.js';
import { rootOnly } from '../../../root.js';

const check = (port: number, extra = ''): ReturnType<typeof target> => target(`TCP_CHECK {\n connect_timeout 0.3\n ${extra}\n}`, port);

describe('TCP_CHECK', () => {
  it('succeeds once the connection is established, and closes it', async () => {
    let closed = false;
    const srv = await serve((s) => s.on('close', () => (closed = true)));
    expect(await tcpProbe(check(srv.port), never)).toEqual({ ok: true, message: `TCP connection to [127.0.0.1]:tcp:${srv.port} success.` });
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
  });

  it('a server that accepts and hangs, sends garbage or trickles is up: only the connect counts', async () => {
    const servers = await Promise.all([serve(() => {}), serve((s) => s.end(Buffer.from([0xff, 0x00, 0x13, 0x37]))), serve((s) => trickle(s, 'x', 50))]);
    for (const srv of servers) expect(await tcpProbe(check(srv.port), never)).toEqual({ ok: true, message: `TCP connection to [127.0.0.1]:tcp:${srv.port} success.` });
  });

  it('a server that resets at once settles at once: established, or failed when the reset beats the connect report', async () => {
    const srv = await serve((s) => s.resetAndDestroy());
    // its clock never moves: only the server's doing can settle it
    const value = await tcpProbe(check(srv.port), never, new FakeClock());
    expect(value.message).toMatch(new RegExp(`^TCP connection to \\[127\\.0\\.0\\.1\\]:tcp:${srv.port} (success|failed)\\.$`));
  });

  rootOnly('socket options, users and memory locks')('connects with fwmark (SO_MARK), bind_if (SO_BINDTODEVICE) and bindto:bind_port, as ss shows the socket', async () => {
    let shown = '';
    // the checker's end, seen from the server while the connection is up
    const srv = await serve((s) => (shown = execFileSync('ss', ['-tneH', `sport = :${s.remotePort}`], { encoding: 'utf8' })));
    const bindPort = 40_000 + (process.pid % 20_000);
    const r = await tcpProbe(check(srv.port, `fwmark 42\n bind_if lo\n bindto 127.0.0.1\n bind_port ${bindPort}`), never);
    expect(r.ok).toBe(true);
    expect(shown).toContain(`127.0.0.1%lo:${bindPort} `);
    expect(shown).toContain('fwmark:0x2a');
  });

  it('fails on a refused connection', async () => {
    const port = await refusedPort();
    expect(await tcpProbe(check(port), never)).toEqual({ ok: false, message: `TCP connection to [127.0.0.1]:tcp:${port} failed.` });
  });

  it('times out at connect_timeout; 20 concurrent probes take one timeout, not twenty', async () => {
    const port = await unansweredPort();
    const clock = new FakeClock();
    // 30 s: a real timer would outlast the test, so only the probe's clock can end these
    const slow = target('TCP_CHECK {\n connect_timeout 30\n}', port);
    const attempts = Array.from({ length: 20 }, () => tcpProbe(slow, never, clock));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const r of await settleAtTimeout(clock, 30_000_000, attempts)) expect(r).toEqual({ ok: false, message: `TCP connection to [127.0.0.1]:tcp:${port} timeout.` });
  });

  it('connects to connect_ip / connect_port and names the real server', async () => {
    const srv = await serve(() => {});
    const t = target(`TCP_CHECK {\n connect_ip 127.0.0.1\n connect_port ${srv.port}\n}`, 1);
    expect(await tcpProbe(t, never)).toEqual({ ok: true, message: 'TCP connection to [127.0.0.1]:tcp:1 success.' });
  });

  it('binds to bindto and bind_port', async () => {
    let peer: string | undefined;
    const srv = await serve((s) => (peer = `${s.remoteAddress}:${s.remotePort}`));
    const bindPort = await refusedPort();
    const t = check(srv.port, `bindto 127.0.0.1\n bind_port ${bindPort}`);
    expect((await tcpProbe(t, never)).ok).toBe(true);
    expect(peer).toBe(`127.0.0.1:${bindPort}`);
  });

  it('an abort settles at once, without a message', async () => {
    const port = await unansweredPort();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    // its clock never moves: only the abort can settle it
    expect(await tcpProbe(check(port), ac.signal, new FakeClock())).toEqual({ ok: false });
  });
});

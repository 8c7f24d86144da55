import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer } from '../../../src/observe/metrics-server.js';

/** Waits (polling every 10 ms) until `predicate` holds; fails with `what` after 10 s. */
async function until(what: string, predicate: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

describe('MetricsServer under idle connections', () => {
  let server: MetricsServer | undefined;
  const clients: net.Socket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server?.close();
    server = undefined;
  });

  it('holds no more connections than its cap, closes idle ones, and answers /metrics afterwards', async () => {
    server = new MetricsServer([], { version: '1', maxConnections: 64, idleTimeoutMs: 500 });
    const port = await server.listen({ host: '127.0.0.1', port: 0 });
    let closedByServer = 0;
    for (let i = 0; i < 200; i++) {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      socket.on('close', () => closedByServer++);
      clients.push(socket);
    }
    await until('200 connected', () => clients.every((c) => !c.connecting));
    // those past the cap are closed at once; the others idle, sending nothing
    await until('the server closed those past the cap', () => closedByServer >= 200 - 64);
    expect(await server.connections()).toBeLessThanOrEqual(64);
    await until('the server closed the idle ones', () => closedByServer === 200);
    expect(await server.connections()).toBe(0);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('keepalived_up 1');
  });
});

/**
 * SIGUSR1 never opens Node's inspector. Node answers SIGUSR1 by starting a
 * debugger on 127.0.0.1:9229 until the process has a listener: a root
 * daemon that gets one too early (an exporter asking for keepalived.data, or
 * the parent passing one on to a child that is still loading) would give any
 * local user code execution as root. SIGUSR1 goes to the parent every 10 ms
 * from its first log line through its children's start; nothing may listen
 * on 9229 in its namespace afterwards, and the daemon still becomes MASTER.
 * Needs root and `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 32;
const SIGNALS = 300;
const INSPECTOR_PORT = ':9229';

describe.skipIf(!requireNetnsOrSkip())('SIGUSR1 during start-up', () => {
  let lab: Lab;
  let ns: string;

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('inspector-signal'));
    ns = lab.addNode(1);
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('opens no inspector in the parent or its children', async () => {
    const config = [
      'vrrp_instance VI_1 {',
      '  interface eth0',
      '  virtual_router_id 51',
      '  priority 150',
      '  advert_int 1',
      '  virtual_ipaddress {',
      `    10.99.${SUBNET}.100/24`,
      '  }',
      '}',
    ].join('\n');
    const r = lab.start(ns, 'kats', config);
    const log = (): string => r.lines.join('\n');
    await waitFor('the first log line', () => r.lines.length > 0, 10_000, log);
    for (let i = 0; i < SIGNALS && r.proc.exitCode === null; i++) {
      r.proc.kill('SIGUSR1');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitFor('MASTER', () => r.lines.some((l) => /\(VI_1\) Entering MASTER STATE/.test(l)), 15_000, log);
    const listening = execFileSync('ip', ['netns', 'exec', ns, 'ss', '-Hltnp'], { encoding: 'utf8' });
    expect(listening.split('\n').filter((l) => l.includes(INSPECTOR_PORT)), log()).toEqual([]);
    expect(log()).not.toMatch(/Debugger listening/);
    expect(r.proc.exitCode, log()).toBeNull();
  });
});

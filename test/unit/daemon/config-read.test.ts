/** keepalived's config_notify: the parent's count of children still reading, and the children's message. */
import { describe, expect, it } from 'vitest';
import { ConfigReadWait, isConfigRead, notifyConfigRead } from '../../../src/daemon/config-read.js';

function parent(detail = false) {
  const seen: string[] = [];
  const wait = new ConfigReadWait({ log: (m) => seen.push(m), detail, ready: () => seen.push('READY=1'), reload: () => seen.push('reload') });
  return { wait, seen };
}

describe('waiting for the children to read their configuration', () => {
  it('says Startup complete and READY=1 once every child started has read it, not before', () => {
    const { wait, seen } = parent();
    wait.expect(2);
    wait.childRead();
    expect(seen).toEqual([]);
    wait.childRead();
    expect(seen).toEqual(['Startup complete', 'READY=1']);
  });

  it('says Reload complete after the reloads that follow', () => {
    const { wait, seen } = parent();
    wait.expect(1);
    wait.childRead();
    wait.expect(2);
    wait.childRead();
    wait.childRead();
    expect(seen).toEqual(['Startup complete', 'READY=1', 'Reload complete', 'READY=1']);
  });

  it('ignores a read nobody waits for: a child restarted after the start', () => {
    const { wait, seen } = parent();
    wait.expect(1);
    wait.childRead();
    wait.childRead();
    expect(seen).toEqual(['Startup complete', 'READY=1']);
    wait.expect(1);
    wait.childRead();
    expect(seen.at(-2)).toBe('Reload complete');
  });

  it('queues a SIGHUP while children read (however many: one reload), and runs it once they are done', () => {
    const { wait, seen } = parent(true);
    wait.expect(1);
    expect(wait.reloadNow()).toBe(false);
    expect(wait.reloadNow()).toBe(false);
    wait.childRead();
    expect(seen).toEqual(['Reload already in progress, request queued', 'Reload already in progress, request queued', 'Startup complete', 'READY=1', 'Processing queued reload', 'reload']);
    expect(wait.reloadNow()).toBe(true);
  });

  it('logs the queueing only with -D, as keepalived', () => {
    const { wait, seen } = parent(false);
    wait.expect(1);
    wait.reloadNow();
    wait.childRead();
    expect(seen).toEqual(['Startup complete', 'READY=1', 'reload']);
  });

  it("sends the child's message only while the parent is there, and knows it", () => {
    const sent: unknown[] = [];
    notifyConfigRead({ connected: true, send: (m) => sent.push(m) > 0, on: () => undefined, off: () => undefined });
    notifyConfigRead({ connected: false, send: (m) => sent.push(m) > 0, on: () => undefined, off: () => undefined });
    expect(sent).toHaveLength(1);
    expect(isConfigRead(sent[0])).toBe(true);
    expect(isConfigRead({ type: 'pong', seq: 1 })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { enterNamespaces, SANDBOX_HINT, type NamespacePorts } from '../../../src/daemon/namespace.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';

/** Ports recording each call; `fail` maps a call's name to the errno error it throws. */
function fakePorts(fail: Record<string, NodeJS.ErrnoException> = {}): { ports: NamespacePorts; calls: string[] } {
  const calls: string[] = [];
  const call = (name: string, ...args: string[]): void => {
    calls.push([name, ...args].join(' '));
    const error = fail[name];
    if (error) throw error;
  };
  return {
    calls,
    ports: {
      enter: (path) => call('enter', path),
      mkdir: (dir) => call('mkdir', dir),
      rmdir: (dir) => call('rmdir', dir),
      mounts: {
        unshare: () => call('unshare'),
        makeSlave: () => call('makeSlave'),
        bind: (source, target) => call('bind', source, target),
        unmount: (target) => call('unmount', target),
      },
    },
  };
}

const errno = (syscall: string, code: string, n: number, text: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${syscall} ${code}: ${text}`), { code, errno: n, syscall });

describe("entering the network namespace, as keepalived's parent", () => {
  it('enters /run/netns/NAME and mounts /run/keepalived/NAME on /run/keepalived in a mount namespace of its own', () => {
    const { ports, calls } = fakePorts();
    const { log, lines } = fakeLogger();
    const run = enterNamespaces({ usePidDir: true, namespace: 'blue' }, log, ports);
    expect(calls).toEqual(['mkdir /run/keepalived', 'enter /run/netns/blue', 'mkdir /run/keepalived/blue', 'unshare', 'makeSlave', 'bind /run/keepalived/blue /run/keepalived']);
    calls.length = 0;
    run!.release();
    expect(calls).toEqual(['unmount /run/keepalived', 'rmdir /run/keepalived/blue', 'rmdir /run/keepalived']);
    expect(lines).toEqual([]);
  });

  it('without a namespace only makes (and at the end removes) the pid directory when it is used', () => {
    const used = fakePorts();
    enterNamespaces({ usePidDir: true, namespace: undefined }, fakeLogger().log, used.ports)!.release();
    expect(used.calls).toEqual(['mkdir /run/keepalived', 'rmdir /run/keepalived']);
    const unused = fakePorts();
    enterNamespaces({ usePidDir: false, namespace: undefined }, fakeLogger().log, unused.ports)!.release();
    expect(unused.calls).toEqual([]);
  });

  it("under systemd, a setns refused with EPERM names the unit's drop-in; other failures, or outside systemd, only keepalived's lines", () => {
    const refused = errno('setns', 'EPERM', 1, 'Operation not permitted');
    const run = (underSystemd: boolean, error: NodeJS.ErrnoException): string[] => {
      const { log, lines } = fakeLogger();
      expect(enterNamespaces({ usePidDir: false, namespace: 'blue', underSystemd }, log, fakePorts({ enter: error }).ports)).toBeUndefined();
      return lines;
    };
    expect(run(true, refused).some((l) => l.includes(SANDBOX_HINT))).toBe(true);
    expect(run(false, refused).some((l) => l.includes(SANDBOX_HINT))).toBe(false);
    expect(run(true, errno('open', 'ENOENT', 2, 'No such file or directory')).some((l) => l.includes(SANDBOX_HINT))).toBe(false);
    expect(run(true, refused).some((l) => l.includes('Unable to set network namespace blue - exiting'))).toBe(true);
  });

  it('takes existing directories as its own, and leaves ones still in use without a word', () => {
    const { ports, calls } = fakePorts({ mkdir: errno('mkdir', 'EEXIST', 17, 'File exists'), rmdir: errno('rmdir', 'ENOTEMPTY', 39, 'Directory not empty') });
    const { log, lines } = fakeLogger();
    enterNamespaces({ usePidDir: true, namespace: 'blue' }, log, ports)!.release();
    expect(calls).toContain('bind /run/keepalived/blue /run/keepalived');
    expect(calls.slice(-2)).toEqual(['rmdir /run/keepalived/blue', 'rmdir /run/keepalived']);
    expect(lines).toEqual([]);
  });

  it("stops, in keepalived's words, when the namespace is missing or cannot be entered", () => {
    const missing = fakePorts({ enter: errno('open', 'ENOENT', 2, 'No such file or directory') });
    const a = fakeLogger();
    expect(enterNamespaces({ usePidDir: true, namespace: 'blue' }, a.log, missing.ports)).toBeUndefined();
    expect(a.lines).toEqual(['Failed to open /run/netns/blue', 'Unable to set network namespace blue - exiting']);
    // the pid directory it made goes again
    expect(missing.calls).toEqual(['mkdir /run/keepalived', 'enter /run/netns/blue', 'rmdir /run/keepalived']);
    const refused = fakePorts({ enter: errno('setns', 'EINVAL', 22, 'Invalid argument') });
    const b = fakeLogger();
    expect(enterNamespaces({ usePidDir: true, namespace: 'blue' }, b.log, refused.ports)).toBeUndefined();
    expect(b.lines).toEqual(['setns() failed with error 22', 'Unable to set network namespace blue - exiting']);
  });

  it('goes on in the namespace when the mounts fail, as keepalived (its pid files then land in /run/keepalived)', () => {
    const { ports, calls } = fakePorts({ unshare: errno('unshare', 'EPERM', 1, 'Operation not permitted') });
    const { log, lines } = fakeLogger();
    const run = enterNamespaces({ usePidDir: true, namespace: 'blue' }, log, ports);
    expect(lines).toEqual(["mount unshare failed (1) 'Operation not permitted'"]);
    calls.length = 0;
    run!.release();
    expect(calls).toEqual(['rmdir /run/keepalived']);
    const slave = fakePorts({ makeSlave: errno('mount', 'EINVAL', 22, 'Invalid argument'), bind: errno('mount', 'ENOENT', 2, 'No such file or directory') });
    const c = fakeLogger();
    enterNamespaces({ usePidDir: true, namespace: 'blue' }, c.log, slave.ports);
    expect(c.lines).toEqual(["Mount slave failed, error (22) 'Invalid argument'", "Mount failed, error (2) 'No such file or directory'"]);
  });
});

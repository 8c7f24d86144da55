import { describe, expect, it } from 'vitest';
import { pidFileNames, runNamespace } from '../../../src/daemon/pid-names.js';

const plain = { usePidDir: false };

describe("the pid files' names, as keepalived's main() picks them", () => {
  it('are in /run without namespace, instance or use_pid_dir', () => {
    expect(pidFileNames({}, plain)).toEqual({ main: '/run/keepalived.pid', vrrp: '/run/vrrp.pid', checkers: '/run/checkers.pid' });
  });
  it('are in /run/keepalived/ with use_pid_dir (which net_namespace sets) or -s', () => {
    const inDir = { main: '/run/keepalived/keepalived.pid', vrrp: '/run/keepalived/vrrp.pid', checkers: '/run/keepalived/checkers.pid' };
    expect(pidFileNames({}, { usePidDir: true })).toEqual(inDir);
    expect(pidFileNames({ namespace: 'blue' }, plain)).toEqual(inDir);
  });
  it("carry the instance's name", () => {
    expect(pidFileNames({}, { usePidDir: true, instanceName: 'lb1' })).toEqual({
      main: '/run/keepalived/keepalived_lb1.pid',
      vrrp: '/run/keepalived/vrrp_lb1.pid',
      checkers: '/run/keepalived/checkers_lb1.pid',
    });
  });
  it('are as -p, -r and -c give them, each on its own', () => {
    expect(pidFileNames({ pidFile: '/a', checkersPidFile: '/c' }, { usePidDir: true, instanceName: 'lb1' })).toEqual({ main: '/a', vrrp: '/run/keepalived/vrrp_lb1.pid', checkers: '/c' });
  });
});

describe('the namespace the daemon runs in', () => {
  it("is -s's over net_namespace's", () => {
    expect(runNamespace({}, {})).toBeUndefined();
    expect(runNamespace({}, { networkNamespace: 'blue' })).toBe('blue');
    expect(runNamespace({ namespace: 'red' }, { networkNamespace: 'blue' })).toBe('red');
  });
});

import { describe, expect, it } from 'vitest';
import { ApprovedScripts } from '../../../src/scripts/script-gate.js';

const ROOT = { uid: 0, gid: 0 };
const approvals = [
  { subsystem: 'vrrp' as const, command: 'check_web', uid: 0, gid: 0, file: '/usr/libexec/keepalived/check_web' },
  { subsystem: 'vrrp' as const, command: '/etc/keepalived/notify', uid: 1000, gid: 1000, file: '/opt/notify.sh' },
  { subsystem: 'checker' as const, command: '/etc/keepalived/misc', uid: 0, gid: 0, file: '/etc/keepalived/misc' },
];

describe('ApprovedScripts', () => {
  const gate = new ApprovedScripts(approvals, 'vrrp');

  it('puts the checked file in place of the command, keeping the arguments', () => {
    expect(gate.argvToRun(['check_web', '--port', '80'], ROOT)).toEqual(['/usr/libexec/keepalived/check_web', '--port', '80']);
    expect(gate.argvToRun(['/etc/keepalived/notify', 'INSTANCE', 'VI_1', 'MASTER'], { uid: 1000, gid: 1000 })).toEqual(['/opt/notify.sh', 'INSTANCE', 'VI_1', 'MASTER']);
  });

  it('refuses a command with no approval, one approved for another identity, and one another process approved', () => {
    expect(gate.argvToRun(['/tmp/evil'], ROOT)).toBeUndefined();
    expect(gate.argvToRun(['/etc/keepalived/notify'], ROOT)).toBeUndefined();
    expect(gate.argvToRun(['/etc/keepalived/misc'], ROOT)).toBeUndefined();
    expect(gate.argvToRun([], ROOT)).toBeUndefined();
    expect(new ApprovedScripts(approvals, 'checker').argvToRun(['/etc/keepalived/misc'], ROOT)).toEqual(['/etc/keepalived/misc']);
  });
});

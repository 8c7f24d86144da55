import { describe, expect, it } from 'vitest';
import { notifyRunner } from '../../../src/notify/notify-runner.js';
import { FakeScripts } from '../../../lab/fakes/scripts.js';

describe('notifyRunner', () => {
  it('runs the argv as the given user; a STOP script gets its kill delay as timeout', async () => {
    const scripts = new FakeScripts({ code: 0, signal: undefined, timedOut: false });
    const run = notifyRunner(scripts);
    await run(['/etc/keepalived/notify.sh', 'INSTANCE', 'VI_1', 'MASTER', '100'], { uid: 10, gid: 20 });
    await run(['/etc/keepalived/stop.sh'], { uid: 0, gid: 0 }, 1_000_000);
    expect(scripts.runs).toEqual([
      { argv: ['/etc/keepalived/notify.sh', 'INSTANCE', 'VI_1', 'MASTER', '100'], runAs: { uid: 10, gid: 20 }, timeoutUs: undefined },
      { argv: ['/etc/keepalived/stop.sh'], runAs: { uid: 0, gid: 0 }, timeoutUs: 1_000_000 },
    ]);
  });

  it('resolves whatever the script did', async () => {
    const run = notifyRunner(new FakeScripts({ code: undefined, signal: 'SIGKILL', timedOut: true }));
    await expect(run(['/x'], { uid: 0, gid: 0 }, 1)).resolves.toBeUndefined();
  });
});

/** The one fake script port the unit tests share: runs recorded, ended at once or by the test. */
import { describe, expect, it } from 'vitest';
import type { ScriptExit } from '../../../src/base/scripts.js';
import { FakeScripts } from '../../../lab/fakes/scripts.js';

const exited = (code: number): ScriptExit => ({ code, signal: undefined, timedOut: false });

describe('FakeScripts', () => {
  it('records each run and ends it at once with the exit it was given', async () => {
    const scripts = new FakeScripts(exited(3));
    await expect(scripts.run(['/bin/x', 'a'], { uid: 1, gid: 2 }, 5)).resolves.toEqual(exited(3));
    expect(scripts.runs).toEqual([{ argv: ['/bin/x', 'a'], runAs: { uid: 1, gid: 2 }, timeoutUs: 5 }]);
  });

  it('without one, each run waits for finish: the latest by default, or the one named', async () => {
    const scripts = new FakeScripts();
    const ended: string[] = [];
    void scripts.run(['/first'], { uid: 0, gid: 0 }).then((e) => ended.push(`first ${e.code}`));
    void scripts.run(['/second'], { uid: 0, gid: 0 }).then((e) => ended.push(`second ${e.code}`));
    await scripts.finish(exited(1));
    expect(ended).toEqual(['second 1']);
    await scripts.finish(exited(0), 0);
    expect(ended).toEqual(['second 1', 'first 0']);
    await expect(scripts.finish(exited(0), 2)).rejects.toThrow('no script run 2');
  });
});

/**
 * The parent's memory settings: executed again once with them, the operator's own MALLOC_ARENA_MAX and Node options
 * left in force, and every process taking them out of its environment once started, so that nothing it runs (scripts)
 * inherits them. The netns layer sees scripts' environments beside keepalived's (test/netns/script-sched.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { childEnvironment } from '../../../src/daemon/child-environment.js';
import { takeTuning, TUNED_ENV, tunedExec, TUNING_V8_FLAGS } from '../../../src/daemon/memory-tuning.js';

const NODE = '/usr/bin/node';
const SCRIPT = ['/usr/lib/keepalived-ts/bin/keepalived-ts', '--dont-fork', '-D'];

describe('tunedExec', () => {
  it('executes again with one arena and the V8 flags, the operator\'s Node options after ours so that theirs win', () => {
    const exec = tunedExec(NODE, ['--max-semi-space-size=4'], SCRIPT, { PATH: '/usr/bin' });
    expect(exec).toEqual({
      argv: [NODE, ...TUNING_V8_FLAGS, '--max-semi-space-size=4', ...SCRIPT],
      env: { PATH: '/usr/bin', MALLOC_ARENA_MAX: '1', [TUNED_ENV]: 'arena' },
    });
  });

  it('leaves an operator\'s MALLOC_ARENA_MAX as it is', () => {
    expect(tunedExec(NODE, [], SCRIPT, { MALLOC_ARENA_MAX: '4' })?.env).toEqual({ MALLOC_ARENA_MAX: '4', [TUNED_ENV]: 'flags' });
  });

  it('does nothing once tuned: a process executes itself again once', () => {
    const once = tunedExec(NODE, [], SCRIPT, {})!;
    expect(tunedExec(NODE, TUNING_V8_FLAGS, SCRIPT, once.env)).toBeUndefined();
  });
});

describe('takeTuning', () => {
  it('takes out what it added and hands it to the children, who take it out in turn', () => {
    const parentEnv = { ...tunedExec(NODE, [], SCRIPT, { PATH: '/usr/bin' })!.env };
    const forChildren = takeTuning(parentEnv);
    expect(parentEnv).toEqual({ PATH: '/usr/bin' });
    const childEnv = childEnvironment(parentEnv, undefined, forChildren);
    expect(childEnv).toEqual({ PATH: '/usr/bin', MALLOC_ARENA_MAX: '1', [TUNED_ENV]: 'arena' });
    takeTuning(childEnv);
    expect(childEnv).toEqual({ PATH: '/usr/bin' });
  });

  it('leaves the operator\'s MALLOC_ARENA_MAX in every process, and so to their scripts', () => {
    const parentEnv = { ...tunedExec(NODE, [], SCRIPT, { MALLOC_ARENA_MAX: '4' })!.env };
    const childEnv = childEnvironment(parentEnv, '/lib/m.node', takeTuning(parentEnv));
    expect(parentEnv).toEqual({ MALLOC_ARENA_MAX: '4' });
    takeTuning(childEnv);
    expect(childEnv).toEqual({ MALLOC_ARENA_MAX: '4', LD_PRELOAD: '/lib/m.node' });
  });

  it('changes nothing in a process not started tuned (a Node.js without process.execve)', () => {
    const env = { MALLOC_ARENA_MAX: '2' };
    expect(takeTuning(env)).toEqual({});
    expect(env).toEqual({ MALLOC_ARENA_MAX: '2' });
  });
});

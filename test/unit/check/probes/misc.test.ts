/** MISC_CHECK with real scripts in a temporary directory, run through the real ScriptPort. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../../../../src/check/probe.js';
import { miscProbe } from '../../../../src/check/probes/misc.js';
import { ApprovedScripts } from '../../../../src/scripts/script-gate.js';
import { ChildScriptPort } from '../../../../src/scripts/script-port.js';
import { FakeScripts } from '../../../../lab/fakes/scripts.js';
import { tempDir } from '../../../tmp.js';
import { checkTarget } from '../check-target.js';
import { rootOnly } from '../../../root.js';

const never = new AbortController().signal;
const dir = tempDir('misc-check');
fs.chmodSync(dir, 0o755);

function script(name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}

const exitWith = script('exit-with', 'exit "$1"');
const selfKill = script('self-kill', 'kill -TERM $$');
const hang = script('hang', 'echo $$ > "$1"\nexec sleep 30');

const misc = (argv: string, extra = ''): ProbeTarget =>
  checkTarget(`MISC_CHECK {\n misc_path "${argv}"\n ${extra}\n}`, { rs: '10.0.0.2 80', vsExtra: 'delay_loop 7' });

const line = (argv0: string, rest: string): string => `Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [${argv0}] ${rest}`;

/** The three scripts as the checker's script-security pass approves them, for the identity the configuration gives them. */
function approvedScripts(): ApprovedScripts {
  const { checker } = misc(exitWith);
  if (checker.type !== 'MISC_CHECK') throw new Error('not a MISC_CHECK');
  const { uid, gid } = checker.script;
  return new ApprovedScripts([exitWith, selfKill, hang].map((file) => ({ subsystem: 'checker', command: file, uid, gid, file })), 'checker');
}

describe('MISC_CHECK', () => {
  const probe = miscProbe(new ChildScriptPort(approvedScripts(), () => {}));

  it('exit 0 passes, keeping the configured weight', async () => {
    expect(await probe(misc(`${exitWith} 0`), never)).toEqual({ ok: true, outcome: 'succeeded', message: line(exitWith, 'succeeded.') });
    expect(await probe(misc(`${exitWith} 0`, 'misc_dynamic'), never)).toEqual({ ok: true, outcome: 'succeeded', message: line(exitWith, 'succeeded.') });
  });

  it('any other exit fails, with its status', async () => {
    for (const code of [1, 2, 255]) expect(await probe(misc(`${exitWith} ${code}`), never)).toEqual({ ok: false, outcome: 'failed', message: line(exitWith, `failed (exited with status ${code}).`) });
  });

  it('misc_dynamic: 2..255 pass and ask for weight exit − 2; 1 still fails', async () => {
    expect(await probe(misc(`${exitWith} 2`, 'misc_dynamic'), never)).toEqual({ ok: true, outcome: 'succeeded', weight: 0, message: line(exitWith, 'succeeded.') });
    expect(await probe(misc(`${exitWith} 12`, 'misc_dynamic'), never)).toEqual({ ok: true, outcome: 'succeeded', weight: 10, message: line(exitWith, 'succeeded.') });
    expect(await probe(misc(`${exitWith} 255`, 'misc_dynamic'), never)).toEqual({ ok: true, outcome: 'succeeded', weight: 253, message: line(exitWith, 'succeeded.') });
    expect(await probe(misc(`${exitWith} 1`, 'misc_dynamic'), never)).toEqual({ ok: false, outcome: 'failed', message: line(exitWith, 'failed (exited with status 1).') });
  });

  it('a script killed by a signal fails with the signal number', async () => {
    expect(await probe(misc(selfKill), never)).toEqual({ ok: false, outcome: 'failed', message: line(selfKill, 'failed (due to signal 15).') });
  });

  it('a hanging script is killed at misc_timeout and times out', async () => {
    const pidFile = path.join(dir, 'hang.pid');
    const started = Date.now();
    expect(await probe(misc(`${hang} ${pidFile}`, 'misc_timeout 1'), never)).toEqual({ ok: false, outcome: 'timed out', message: line(hang, 'timed out.') });
    expect(Date.now() - started).toBeLessThan(2500);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  rootOnly('socket options, users and memory locks')('runs as the configured user, with misc_timeout or else the virtual server`s delay_loop', async () => {
    const recording = new FakeScripts({ code: 0, signal: undefined, timedOut: false });
    await miscProbe(recording)(misc(`${exitWith} 0`, 'user root'), never);
    await miscProbe(recording)(misc(`${exitWith} 0`, 'misc_timeout 3'), never);
    expect(recording.runs).toEqual([
      { argv: [exitWith, '0'], runAs: { uid: 0, gid: 0 }, timeoutUs: 7_000_000 },
      { argv: [exitWith, '0'], runAs: { uid: 0, gid: 0 }, timeoutUs: 3_000_000 },
    ]);
  });

  it('settles at once when aborted, leaving the script to its timeout', async () => {
    const controller = new AbortController();
    const pending = probe(misc(`${hang} ${path.join(dir, 'abort.pid')}`, 'misc_timeout 1'), controller.signal);
    controller.abort();
    expect(await pending).toEqual({ ok: false });
  });
});

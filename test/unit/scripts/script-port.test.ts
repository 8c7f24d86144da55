import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newGlobalDraft } from '../../../src/config/global/index.js';
import { checkScripts, type ScriptApproval } from '../../../src/config/scripts/index.js';
import type { PassEnv } from '../../../src/config/subsystem.js';
import { hostSystem } from '../../../src/config/system.js';
import { ApprovedScripts, type ScriptGate } from '../../../src/scripts/script-gate.js';
import { ChildScriptPort } from '../../../src/scripts/script-port.js';
import type { RunAs } from '../../../src/base/scripts.js';
import { tempDir } from '../../tmp.js';

const ME = { uid: process.getuid!(), gid: process.getgid!() };
const dir = tempDir('script-port');
fs.chmodSync(dir, 0o777);

function script(name: string, body: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, body, { mode: 0o755 });
  return p;
}

/** The configuration's check on this host, run as each script comes (the daemon runs it once at start-up). */
const checkedOnThisHost: ScriptGate = {
  argvToRun(argv: readonly string[], runAs: RunAs) {
    const approvals: ScriptApproval[] = [];
    const env = { pass: 'vrrp', sys: hostSystem(), report: () => undefined, log: () => undefined, approveScript: (a: ScriptApproval) => approvals.push(a) };
    checkScripts([{ script: { argv, ...runAs, loc: { file: 'k.conf', line: 1 } }, role: 'track', name: 't' }], env as unknown as PassEnv, newGlobalDraft(), 'vrrp');
    return new ApprovedScripts(approvals, 'vrrp').argvToRun(argv, runAs);
  },
};

function port(gate: ScriptGate = checkedOnThisHost): { port: ChildScriptPort; logs: string[] } {
  const logs: string[] = [];
  return { port: new ChildScriptPort(gate, (m) => logs.push(m)), logs };
}

/** Approvals as the check gave them, for files that changed after it. */
const approved = (...files: string[]): ScriptGate =>
  new ApprovedScripts(files.map((file) => ({ subsystem: 'vrrp', command: file, ...ME, file })), 'vrrp');

/** Gone, or a zombie nobody has reaped yet: either way no longer running. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ChildScriptPort', () => {
  it('reports the exit status', async () => {
    const { port: p } = port();
    expect(await p.run([script('exit0', '#!/bin/sh\nexit 0\n')], ME)).toEqual({ code: 0, signal: undefined, timedOut: false });
    expect(await p.run([script('exit3', '#!/bin/sh\nexit 3\n')], ME)).toEqual({ code: 3, signal: undefined, timedOut: false });
  });

  it('reports a signal death', async () => {
    const { port: p } = port();
    expect(await p.run([script('selfkill', '#!/bin/sh\nkill -TERM $$\n')], ME)).toEqual({ code: undefined, signal: 'SIGTERM', timedOut: false });
  });

  it('passes arguments literally, without a shell', async () => {
    const out = path.join(dir, 'args.out');
    const argsScript = script('args', `#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done > ${out}\n`);
    expect((await port().port.run([argsScript, 'a;b', '$HOME', '|', 'x y'], ME)).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('[a;b]\n[$HOME]\n[|]\n[x y]\n');
  });

  it('runs the file the check found for a bare name on PATH', async () => {
    const out = path.join(dir, 'path.out');
    script('kats-path-probe', `#!/bin/sh\necho "$0" > ${out}\n`);
    const saved = process.env.PATH;
    process.env.PATH = `${dir}:${saved ?? ''}`;
    try {
      expect((await port().port.run(['kats-path-probe'], ME)).code).toBe(0);
    } finally {
      process.env.PATH = saved;
    }
    expect(fs.readFileSync(out, 'utf8')).toBe(`${path.join(dir, 'kats-path-probe')}\n`);
  });

  it('runs a script without #! through /bin/sh -c, and keepalived turns its shell\'s 127 into 0', async () => {
    const out = path.join(dir, 'noshebang.out');
    const { port: p, logs } = port();
    expect((await p.run([script('noshebang', `echo "$1" > ${out}\nexit 4\n`), 'arg'], ME)).code).toBe(4);
    expect(fs.readFileSync(out, 'utf8')).toBe('arg\n');
    const missing = script('noshebang-missing', 'kats-no-such-command-anywhere\n');
    expect((await p.run([missing], ME)).code).toBe(0);
    expect(logs).toEqual([`Couldn't find command: '${missing}'`]);
  });

  it('refuses, without starting anything, a script the check did not pass or never saw', async () => {
    const out = path.join(dir, 'refused.out');
    const unchecked = script('unchecked', `#!/bin/sh\ntouch ${out}\n`);
    const { port: p, logs } = port(approved());
    expect(await p.run([unchecked], ME)).toEqual({ code: 126, signal: undefined, timedOut: false });
    const other = { uid: ME.uid + 1, gid: ME.gid };
    expect((await port(approved(unchecked)).port.run([unchecked], other)).code).toBe(126);
    expect(fs.existsSync(out)).toBe(false);
    expect(logs).toEqual([`Refusing to run script '${unchecked}' as uid:gid ${ME.uid}:${ME.gid}: script security has not approved it`]);
  });

  it('resolves 127 for a file gone since the check and 126 for one no longer runnable, logging the exec error', async () => {
    const missing = path.join(dir, 'missing');
    const plain = path.join(dir, 'plain');
    const { port: p, logs } = port(approved(missing, plain));
    expect(await p.run([missing], ME)).toEqual({ code: 127, signal: undefined, timedOut: false });
    fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
    expect((await p.run([plain], ME)).code).toBe(126);
    expect(logs).toEqual([`Error exec-ing command '${missing}', error 2: No such file or directory`, `Error exec-ing command '${plain}', error 13: Permission denied`]);
  });

  it('removes IFS, LD_PRELOAD and LD_LIBRARY_PATH from the environment', async () => {
    const out = path.join(dir, 'env.out');
    const saved = { IFS: process.env.IFS, LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH };
    process.env.IFS = 'x';
    process.env.LD_LIBRARY_PATH = '/nonexistent';
    process.env.KATS_PROBE = 'kept';
    try {
      await port().port.run([script('env', `#!/bin/sh\nenv > ${out}\n`)], ME);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
      delete process.env.KATS_PROBE;
    }
    const env = fs.readFileSync(out, 'utf8');
    expect(env).toContain('KATS_PROBE=kept');
    expect(env).not.toMatch(/^(IFS|LD_LIBRARY_PATH|LD_PRELOAD)=/m);
  });

  it('kills the whole process group when the timeout is over', async () => {
    const pids = path.join(dir, 'pids');
    const hung = script('hung', `#!/bin/sh\nsleep 100 &\necho "$$ $!" > ${pids}\nwait\n`);
    const started = Date.now();
    const exit = await port().port.run([hung], ME, 300_000);
    expect(exit).toEqual({ code: undefined, signal: 'SIGKILL', timedOut: true });
    expect(Date.now() - started).toBeLessThan(5000);
    const [shell, sleeper] = fs.readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    expect(running(shell!)).toBe(false);
    await until(() => !running(sleeper!));
  });

  it('runs each script in its own process group', async () => {
    const out = path.join(dir, 'pgid.out');
    // field 5 of /proc/PID/stat is the process group
    await port().port.run([script('pgid', `#!/bin/sh\ncut -d' ' -f5 /proc/$$/stat > ${out}\necho $$ >> ${out}\n`)], ME);
    const [pgid, pid] = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(pgid).toBe(pid);
  });

  it('killAll signals every running script', async () => {
    const { port: p } = port();
    const started = path.join(dir, 'sleeper.started');
    const exit = p.run([script('sleeper', `#!/bin/sh\ntouch ${started}\nexec sleep 100\n`)], ME);
    await until(() => fs.existsSync(started));
    p.killAll('SIGTERM');
    expect(await exit).toEqual({ code: undefined, signal: 'SIGTERM', timedOut: false });
  });

  it.runIf(ME.uid === 0)('runs the script as the given user and group', async () => {
    const out = path.join(dir, 'id.out');
    const exit = await port().port.run([script('id', `#!/bin/sh\necho "$(id -u) $(id -g) $(id -G)" > ${out}\n`)], { uid: 65534, gid: 65533 });
    expect(exit.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('65534 65533 65533\n');
  });
});

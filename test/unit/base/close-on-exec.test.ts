/**
 * The addon's cloexecFrom (markDescriptorsCloseOnExec): a node child started with fds 40 and 41 inherited
 * without close-on-exec (as raw-socket's sockets are opened; Node itself marks only the low ones) marks
 * those from its argument up, and a shell it then starts holds only 0, 1 and 2 — through close_range(2), and
 * through the /proc/self/fd walk when strace makes close_range fail as old kernels (ENOSYS, EINVAL) and
 * seccomp filters (EPERM) do.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markDescriptorsCloseOnExec } from '../../../src/base/native.js';

const ADDON = path.resolve(import.meta.dirname, '../../../native/build/Release/keepalived_native.node');
const O_CLOEXEC = 0o2000000;

/** Prints {before, from41, from3, seen}: fds 40 and 41 close-on-exec or not at each step, and a later shell's fds. */
const CHILD = `
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const addon = createRequire(import.meta.url)(process.argv[1]);
const cloexec = (fd) => (Number.parseInt(/^flags:\\s+([0-7]+)$/m.exec(readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8) & ${O_CLOEXEC}) !== 0;
const flags = () => ({ 40: cloexec(40), 41: cloexec(41) });
const before = flags();
addon.cloexecFrom(41);
const from41 = flags();
addon.cloexecFrom(3);
const from3 = flags();
// '; :' keeps sh from exec'ing ls in its own place: ls lists the shell's descriptors, not its own
const seen = execFileSync('/bin/sh', ['-c', 'ls /proc/$$/fd; :'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\\n').filter(Boolean);
console.log(JSON.stringify({ before, from41, from3, seen }));
`;

/** Runs the child with fds 40 and 41 open on /dev/null (bash: dash redirects only fds 0-9), behind `prefix` (strace). */
function runChild(prefix: string[] = []): { report: unknown; stderr: string } {
  const argv = [...prefix, process.execPath, '--input-type=module', '-e', CHILD, ADDON];
  const r = spawnSync('bash', ['-c', 'exec "$@" 40</dev/null 41</dev/null', 'bash', ...argv], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${argv[0]} exited ${r.status}: ${r.stderr}`);
  return { report: JSON.parse(r.stdout) as unknown, stderr: r.stderr };
}

const MARKED = {
  before: { 40: false, 41: false },
  from41: { 40: false, 41: true },
  from3: { 40: true, 41: true },
  seen: ['0', '1', '2'],
};

const straceWorks = spawnSync('strace', ['-qq', '-e', 'trace=none', 'true']).status === 0;

describe('cloexecFrom', () => {
  it('marks every descriptor from its argument up: a script started after holds only 0, 1 and 2', () => {
    expect(runChild().report).toEqual(MARKED);
  });

  for (const errno of ['ENOSYS', 'EINVAL', 'EPERM']) {
    it.skipIf(!straceWorks)(`walks /proc/self/fd when close_range fails with ${errno}`, () => {
      const { report, stderr } = runChild(['strace', '-f', '-qq', '-e', 'trace=close_range', '-e', `inject=close_range:error=${errno}`]);
      expect(stderr).toMatch(new RegExp(`close_range\\(3, 4294967295, CLOSE_RANGE_CLOEXEC\\) = -1 ${errno} .*\\(INJECTED\\)`));
      expect(report).toEqual(MARKED);
    });
  }

  it('markDescriptorsCloseOnExec leaves this process with no inheritable descriptor beyond stdio', () => {
    markDescriptorsCloseOnExec();
    const inheritable = (fd: string): boolean => {
      const flags = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
      return (Number.parseInt(flags, 8) & O_CLOEXEC) === 0;
    };
    // the listing's own directory handle is closed by the time its fdinfo would be read
    const open = fs.readdirSync('/proc/self/fd').filter((fd) => Number(fd) > 2 && fs.existsSync(`/proc/self/fdinfo/${fd}`));
    expect(open.filter(inheritable)).toEqual([]);
  });
});

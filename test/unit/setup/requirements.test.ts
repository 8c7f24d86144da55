/** The set-up's decision per layer, on fake machines: ready, install, skip with how to install, fail in CI. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCi, onPath } from '../../../lab/host.js';
import { planLayer, REQUIREMENTS, type Host, type PackageManager } from '../../../lab/requirements.js';
import { tempDir } from '../../tmp.js';

const everything = new Set(Object.values(REQUIREMENTS).flatMap((rs) => rs.map((r) => r.command)));

function host(opts: { root?: boolean; ci?: boolean; manager?: PackageManager; lacking?: string[] } = {}): Host {
  const present = new Set([...everything].filter((c) => !opts.lacking?.includes(c)));
  return { isRoot: opts.root ?? true, ci: opts.ci ?? false, packageManager: opts.manager ?? 'apt-get', has: (c) => present.has(c) };
}

describe('planLayer', () => {
  it('is ready as root with every command', () => {
    expect(planLayer('netns', host())).toEqual({ kind: 'ready' });
    expect(planLayer('vm', host())).toEqual({ kind: 'ready' });
  });

  it('as root with apt-get, installs the missing packages and says so in one line', () => {
    const plan = planLayer('netns', host({ lacking: ['keepalived', 'tcpdump'] }));
    expect(plan).toEqual({
      kind: 'install',
      manager: 'apt-get',
      packages: ['keepalived', 'tcpdump'],
      line: 'test set-up: installing keepalived tcpdump for the netns tests (apt-get)',
    });
  });

  it("names Debian's packages for the vm layer's commands", () => {
    const plan = planLayer('vm', host({ lacking: ['qemu-system-x86_64', 'busybox', 'depmod', 'ipvsadm'] }));
    expect(plan).toMatchObject({ kind: 'install', packages: ['qemu-system-x86', 'busybox-static', 'kmod', 'ipvsadm'] });
  });

  it("uses dnf's names with dnf", () => {
    expect(planLayer('netns', host({ manager: 'dnf', lacking: ['ip', 'sysctl'] }))).toMatchObject({ kind: 'install', manager: 'dnf', packages: ['iproute', 'procps-ng'] });
  });

  it('skips without root, naming the packages and the command', () => {
    const plan = planLayer('netns', host({ root: false, lacking: ['tcpdump'] }));
    expect(plan).toEqual({ kind: 'skip', line: 'netns tests skipped: not root (run the tests as root; it also needs tcpdump (as root: apt-get install tcpdump))' });
  });

  it('skips without a package manager, with the Debian command to install them', () => {
    const plan = planLayer('netns', { ...host({ lacking: ['keepalived', 'python3'] }), packageManager: undefined });
    expect(plan).toEqual({
      kind: 'skip',
      line: 'netns tests skipped: missing keepalived, python3 and no apt-get or dnf to install them (on Debian or Ubuntu: apt-get install -y --no-install-recommends keepalived python3)',
    });
  });

  it('skips the vm layer where dnf cannot provide apt-get and dpkg (the kernel is Debian\'s)', () => {
    const plan = planLayer('vm', host({ manager: 'dnf', lacking: ['apt-get', 'dpkg', 'ipvsadm'] }));
    expect(plan).toEqual({
      kind: 'skip',
      line: 'vm tests skipped: missing ipvsadm, apt-get, dpkg and dnf cannot provide apt-get, dpkg (on Debian or Ubuntu: apt-get install -y --no-install-recommends ipvsadm apt dpkg)',
    });
  });

  it('fails instead of skipping in CI', () => {
    expect(planLayer('netns', host({ root: false, ci: true }))).toEqual({ kind: 'fail', message: 'netns test layer cannot run in CI: not root (run the tests as root)' });
    expect(planLayer('netns', { ...host({ ci: true, lacking: ['tcpdump'] }), packageManager: undefined }).kind).toBe('fail');
  });

  it('still installs in CI when it can', () => {
    expect(planLayer('netns', host({ ci: true, lacking: ['tcpdump'] })).kind).toBe('install');
  });
});

describe('the real host probes', () => {
  it('finds executable files on a fake PATH only', () => {
    const dir = tempDir('fake-path');
    fs.writeFileSync(path.join(dir, 'tcpdump'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'keepalived'), 'not executable\n', { mode: 0o644 });
    fs.mkdirSync(path.join(dir, 'python3'));
    expect(onPath('tcpdump', dir)).toBe(true);
    expect(onPath('tcpdump', `/nonexistent:${dir}`)).toBe(true);
    expect(onPath('keepalived', dir)).toBe(false);
    expect(onPath('python3', dir)).toBe(false);
    expect(onPath('tcpdump', '')).toBe(false);
  });

  it('reads CI as set unless empty, 0 or false', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
  });
});

/**
 * `npm run package` builds the .deb and the .rpm: their file lists follow keepalived's packages and the
 * distributions' conventions, they depend on the Node.js major their native modules were built for, their
 * scriptlets never start the daemon, and the .deb's tree, unpacked into a temporary root, checks a
 * configuration as `keepalived -t` does. Needs dpkg-deb and rpmbuild (apt-get install -y rpm); without them
 * the layer skips outside CI and fails in CI.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(ROOT, 'dist/packages');
const CONF = path.join(ROOT, 'conf/keepalived.conf');
const nodeMajor = process.versions.node.split('.')[0]!;

function missingTools(): string[] {
  return ['dpkg-deb', 'rpmbuild', 'rpm'].filter((tool) => spawnSync(tool, ['--version']).error !== undefined);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function only(ext: string): string {
  const found = fs.readdirSync(OUT).filter((f) => f.endsWith(ext));
  expect(found).toHaveLength(1);
  return path.join(OUT, found[0]!);
}

const missing = missingTools();
if (missing.length > 0) {
  if (process.env.CI) throw new Error(`package test layer cannot run in CI: ${missing.join(', ')} missing (apt-get install -y rpm)`);
  console.warn(`package tests skipped: ${missing.join(', ')} missing (apt-get install -y rpm)`);
}

describe.skipIf(missing.length > 0)('npm run package', () => {
  let deb = '';
  let rpm = '';

  beforeAll(() => {
    fs.rmSync(OUT, { recursive: true, force: true });
    // the packages are built for the node running this test: npm and the script run under it
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const r = run('npm', ['run', '--silent', 'package'], env);
    expect(r.status, `${r.out}${r.err}`).toBe(0);
    deb = only('.deb');
    rpm = only('.rpm');
  }, 600_000);

  it('the .deb holds the launcher, the application with production modules only, the unit, docs and the man page', () => {
    const files = run('dpkg-deb', ['-c', deb]).out.split('\n').map((l) => l.split(/\s+/)[5] ?? '');
    const expected = [
      './usr/sbin/keepalived-ts',
      './usr/lib/keepalived-ts/bin/keepalived-ts',
      './usr/lib/keepalived-ts/dist/src/daemon/cli.js',
      './usr/lib/keepalived-ts/package.json',
      './usr/lib/keepalived-ts/node-abi',
      './usr/lib/keepalived-ts/native/build/Release/keepalived_native.node',
      // preloaded into the children for *_no_swap (native/src/madvise_locked.c)
      './usr/lib/keepalived-ts/native/build/Release/madvise_locked.node',
      './usr/lib/keepalived-ts/node_modules/raw-socket/build/Release/raw.node',
      './usr/lib/keepalived-ts/node_modules/pino/package.json',
      './lib/systemd/system/keepalived-ts.service',
      './usr/share/keepalived-ts/defaults',
      './usr/share/doc/keepalived-ts/samples/keepalived.conf',
      // the unit's drop-in for net_namespace configurations
      './usr/share/doc/keepalived-ts/samples/net-namespace.conf',
      './usr/share/doc/keepalived-ts/copyright',
      './usr/share/man/man8/keepalived-ts.8.gz',
    ];
    for (const f of expected) expect(files).toContain(f);
    const unwanted = files.filter((f) =>
      /\/node_modules\/(vitest|typescript|fast-check|@types|vite)\/|\/test\/|\.ts$(?<!\.d\.ts)|^\.\/etc\/|\/dist\/src\/.*\.map$/.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it('the .deb depends on the nodejs major its native modules were built for and on nftables, amd64', () => {
    expect(run('dpkg-deb', ['-f', deb, 'Depends']).out.trim()).toBe(`nodejs (>= ${nodeMajor}), nodejs (<< ${Number(nodeMajor) + 1}), nftables`);
    expect(run('dpkg-deb', ['-f', deb, 'Architecture']).out.trim()).toBe('amd64');
  });

  it('the .rpm has the same tree with the unit under /usr/lib/systemd/system and requires nodejs and nftables', () => {
    const files = run('rpm', ['-qpl', rpm]).out.split('\n');
    for (const f of ['/usr/sbin/keepalived-ts', '/usr/lib/keepalived-ts/dist/src/daemon/cli.js', '/usr/lib/systemd/system/keepalived-ts.service',
      '/usr/share/man/man8/keepalived-ts.8.gz', '/usr/share/doc/keepalived-ts/samples/keepalived.conf']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('/etc/') || f.startsWith('/lib/') || /\/node_modules\/(vitest|typescript)\//.test(f))).toEqual([]);
    const requires = run('rpm', ['-qp', '--requires', rpm]).out.split('\n');
    expect(requires).toContain(`nodejs >= ${nodeMajor}`);
    expect(requires).toContain(`nodejs < ${Number(nodeMajor) + 1}`);
    expect(requires).toContain('nftables');
    expect(run('rpm', ['-qp', '--qf', '%{ARCH}', rpm]).out).toBe('x86_64');
  });

  it('the scriptlets reload systemd, create the defaults file only when absent and never start the daemon', () => {
    const dir = tempDir('pkg-control');
    expect(run('dpkg-deb', ['-e', deb, dir]).status).toBe(0);
    const debScripts = ['postinst', 'prerm', 'postrm'].map((s) => fs.readFileSync(path.join(dir, s), 'utf8')).join('\n');
    const rpmScripts = run('rpm', ['-qp', '--scripts', rpm]).out;
    for (const scripts of [debScripts, rpmScripts]) {
      expect(scripts).toMatch(/daemon-reload/);
      expect(scripts).toMatch(/disable --now keepalived-ts\.service/);
      expect(scripts).not.toMatch(/systemctl (start|enable|restart) /);
      expect(scripts).toMatch(/\[ ! -e \/etc\/(default|sysconfig)\/keepalived \]/);
    }
  });

  it('the unpacked .deb checks a configuration as keepalived -t does, and its launcher refuses another node ABI', () => {
    const root = tempDir('pkg-root');
    expect(run('dpkg-deb', ['-x', deb, root]).status).toBe(0);
    const app = path.join(root, 'usr/lib/keepalived-ts');
    expect(fs.readFileSync(path.join(app, 'node-abi'), 'utf8').trim()).toBe(process.versions.modules);

    const good = run(process.execPath, [path.join(app, 'bin/keepalived-ts'), '-t', '-f', CONF]);
    expect(good.status, good.err).toBe(0);
    const bad = path.join(root, 'bad.conf');
    fs.writeFileSync(bad, 'vrrp_instance X {\n  bogus_keyword 1\n}\n');
    const wrong = run(process.execPath, [path.join(app, 'bin/keepalived-ts'), '-t', '-f', bad]);
    expect(wrong.status).toBe(5);
    // the VRRP pass reads keepalived's copy of the file, which names it
    expect(wrong.err).toContain(`(${bad}: Line 2) Unknown keyword 'bogus_keyword'`);

    // the launcher runs /usr/bin/node: with this package's ABI recorded it runs, with any other it refuses
    const launcher = path.join(root, 'usr/sbin/keepalived-ts');
    const systemAbi = run('/usr/bin/node', ['-p', 'process.versions.modules']).out.trim();
    if (systemAbi === process.versions.modules) expect(run(launcher, ['-t', '-f', CONF]).status).toBe(0);
    fs.writeFileSync(path.join(app, 'node-abi'), '1\n');
    const refused = run(launcher, ['-t', '-f', CONF]);
    expect(refused.status).toBe(1);
    expect(refused.err).toMatch(/this package was built for Node\.js ABI 1 .* \(ABI \d+\): install the nodejs the package depends on/);
  });
});

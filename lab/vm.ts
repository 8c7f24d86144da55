/**
 * The vm test layer: Debian's kernel (which has IPVS) booted in qemu, with
 * this machine's root file system mounted read-only inside, so tests run the
 * project's real binaries against a real IPVS. The kernel package is
 * downloaded once and cached in /var/cache/kats-vm.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';
import { hostOf } from './host.js';
import { installCommand, planLayer } from './requirements.js';

const CACHE = '/var/cache/kats-vm';
const INIT = path.join(PACKAGE_ROOT, 'lab', 'vm-init.sh');
/** The guest mounts fresh tmpfs here (see vm-init.sh): a checkout below them is shared into the guest on its own. */
const GUEST_TMPFS = ['/tmp/', '/run/'];
const BOOT_MODULES = ['virtio_ring', 'virtio', 'virtio_pci_legacy_dev', 'virtio_pci_modern_dev', 'virtio_pci', 'netfs', 'fscache', '9pnet', '9pnet_virtio', '9p'];

export interface Kernel {
  readonly version: string;
  readonly vmlinuz: string;
  readonly initrd: string;
}

/** Why the VM cannot run here, installing nothing (bench/vm-boot.ts asks; the tests go through test/setup/layer.ts). */
export function vmUnavailableReason(): string | undefined {
  const plan = planLayer('vm', hostOf());
  if (plan.kind === 'ready') return undefined;
  if (plan.kind === 'install') return `missing ${plan.packages.join(' ')} (${installCommand(plan.manager, plan.packages)})`;
  return plan.kind === 'skip' ? plan.line : plan.message;
}

function kernelPackage(): string {
  const deps = execFileSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
  const m = /Depends: (linux-image-[0-9][^\s]*)/.exec(deps);
  if (!m) throw new Error(`cannot find the kernel package linux-image-amd64 depends on:\n${deps}`);
  return m[1]!;
}

/** Download, unpack and index the kernel once; build the initramfs. */
export function prepareKernel(): Kernel {
  const pkg = kernelPackage();
  const version = pkg.replace(/^linux-image-/, '');
  const root = path.join(CACHE, version, 'root');
  const vmlinuz = path.join(root, 'boot', `vmlinuz-${version}`);
  const modules = path.join(root, 'lib', 'modules', version);
  fs.mkdirSync(path.join(CACHE, version), { recursive: true });
  if (!fs.existsSync(vmlinuz)) {
    const dir = path.join(CACHE, version);
    execFileSync('apt-get', ['download', pkg], { cwd: dir, stdio: 'pipe' });
    const deb = fs.readdirSync(dir).find((f) => f.startsWith(pkg) && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${dir}`);
    execFileSync('dpkg', ['-x', path.join(dir, deb), root]);
    execFileSync('depmod', ['-b', root, version]);
  }
  // Inside the VM the host's modprobe looks in /lib/modules/<version>.
  const hostModules = path.join('/lib/modules', version);
  if (!fs.existsSync(hostModules)) {
    fs.mkdirSync('/lib/modules', { recursive: true });
    fs.symlinkSync(modules, hostModules);
  }
  const initrd = path.join(CACHE, version, 'initrd.gz');
  buildInitrd(modules, initrd);
  return { version, vmlinuz, initrd };
}

function buildInitrd(modules: string, out: string): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-initrd-'));
  try {
    for (const d of ['bin', 'mods', 'proc', 'sys', 'dev', 'host']) fs.mkdirSync(path.join(dir, d));
    fs.copyFileSync(execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim(), path.join(dir, 'bin', 'busybox'));
    fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
    const all = execFileSync('find', [modules, '-name', '*.ko'], { encoding: 'utf8' }).split('\n');
    for (const m of BOOT_MODULES) {
      const file = all.find((f) => path.basename(f) === `${m}.ko`);
      if (!file) throw new Error(`kernel module ${m}.ko not found under ${modules}`);
      fs.copyFileSync(file, path.join(dir, 'mods', `${m}.ko`));
    }
    fs.copyFileSync(INIT, path.join(dir, 'init'));
    fs.chmodSync(path.join(dir, 'init'), 0o755);
    execFileSync('sh', ['-c', `cd "${dir}" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "${out}"`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface VmRun {
  readonly exitCode: number;
  readonly output: string;
  readonly console: string;
}

/**
 * The lines a guest script printed after `prefix` (a block closed by its `PREFIX end` line), or undefined when the
 * block never ended (the guest stopped before it).
 */
export function guestBlock(output: string, prefix: string): string[] | undefined {
  const lines = output
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
  return lines.at(-1) === 'end' ? lines.slice(0, -1) : undefined;
}

export interface VmOptions {
  /** vCPUs (TCG runs one host thread each); default 1. */
  readonly cpus?: number;
  /**
   * 'loose': the guest caches what it reads of this machine's root (which it
   * mounts read-only), so a program started again does not go back over 9p
   * for each file; worth it for tests that start node many times.
   */
  readonly hostCache?: 'loose';
}

/** What the guest's console may print (a long soak's keepalived logs a few MiB). */
const CONSOLE_MAX_BYTES = 256 * 2 ** 20;

/** Boot the kernel, run `script` (sh) chrooted into this machine's root, and return its output. */
export function runInVm(kernel: Kernel, script: string, timeoutMs = 180_000, options: VmOptions = {}): VmRun {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-vm-'));
  const shareRepo = GUEST_TMPFS.some((dir) => PACKAGE_ROOT.startsWith(dir));
  try {
    fs.writeFileSync(path.join(out, 'cmd.sh'), script);
    const r = spawnSync(
      'qemu-system-x86_64',
      [
        '-accel', 'tcg', '-m', '1024', '-nographic', '-no-reboot', '-nic', 'none',
        ...(options.cpus && options.cpus > 1 ? ['-smp', String(options.cpus)] : []),
        '-kernel', kernel.vmlinuz, '-initrd', kernel.initrd,
        '-append', `console=ttyS0 quiet panic=-1 kats_out=${out}${options.hostCache ? ` kats_cache=${options.hostCache}` : ''}${shareRepo ? ` kats_repo=${PACKAGE_ROOT}` : ''}`,
        '-virtfs', 'local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap',
        '-virtfs', `local,path=${out},mount_tag=out,security_model=passthrough`,
        ...(shareRepo ? ['-virtfs', `local,path=${PACKAGE_ROOT},mount_tag=repo,security_model=passthrough,readonly=on,multidevs=remap`] : []),
      ],
      // the console carries what the guest logs there (keepalived without a syslog daemon: every line); past maxBuffer
      // spawnSync would stop qemu with SIGTERM, which it takes as a clean exit
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: CONSOLE_MAX_BYTES },
    );
    const rcFile = path.join(out, 'rc');
    if (!fs.existsSync(rcFile)) throw new Error(`the VM did not complete the test command (qemu status ${r.status}, signal ${r.signal}${r.error ? `, ${r.error.message}` : ''}):\n${r.stdout?.slice(-3000)}`);
    return { exitCode: Number(fs.readFileSync(rcFile, 'utf8').trim()), output: fs.readFileSync(path.join(out, 'log'), 'utf8'), console: r.stdout };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

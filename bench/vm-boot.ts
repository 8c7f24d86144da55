/**
 * A benchmark's VM boot: the vm test layer's kernel and initramfs
 * (lab/vm.ts prepareKernel: Debian's kernel, which has IPVS, with this
 * machine's root mounted read-only inside), with kats_cache=loose (the
 * guest caches what it reads of the host root, where lab/vm-init.sh
 * supports it). Under TCG (the default, see vmAccel; one vCPU) the guest
 * runs tens of times slower than this host (keepalived -t of a 38k-line
 * file: 3.6 s against 0.11 s; without the cache 20 s), and more so when the
 * host is loaded: times and CPU measured inside compare daemons with each
 * other under emulation, which weighs on a JIT (V8's generated code is
 * translated again) far more than on C. The guest script's output comes
 * back as `KATS <json>` lines.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareKernel, vmUnavailableReason, type Kernel } from '../lab/vm.js';


export type Accel = 'kvm' | 'tcg';

/**
 * TCG unless KATS_BENCH_VM_ACCEL=kvm: on this machine /dev/kvm opens and qemu
 * reports KVM enabled, yet the guest kernel stalls right after its
 * decompression (nested virtualisation without vmx), so KVM is opt-in.
 */
export function vmAccel(): Accel {
  return process.env.KATS_BENCH_VM_ACCEL === 'kvm' ? 'kvm' : 'tcg';
}

/** Why a VM cannot be booted here (not root, qemu missing, …), or undefined. */
export function vmBenchUnavailable(): string | undefined {
  return vmUnavailableReason();
}

let kernel: Kernel | undefined;

function kernelOnce(): Kernel {
  kernel ??= prepareKernel();
  return kernel;
}

export interface VmBoot {
  readonly accel: Accel;
  readonly cpus: number;
  readonly exitCode: number;
  /** The guest script's stdout and stderr. */
  readonly output: string;
  /** The `KATS <json>` lines of the output, parsed. */
  readonly records: unknown[];
  readonly bootMs: number;
}

/**
 * Boots the kernel and runs `script` (sh) chrooted into this machine's root,
 * as lab/vm.ts runInVm does. `files` are written beside the script: the
 * guest sees them in `$(dirname "$0")` (the host's /tmp is not the guest's).
 */
export function bootVm(script: string, opts: { timeoutMs: number; memoryMb?: number; files?: Record<string, string> }): VmBoot {
  const k = kernelOnce();
  const accel = vmAccel();
  // MTTCG with 2 vCPUs ran this machine's guests slower than 1 (node -e 0: 32 s against 9 s)
  const cpus = accel === 'kvm' ? os.cpus().length : 1;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-bench-vm-'));
  const started = Date.now();
  try {
    fs.writeFileSync(path.join(out, 'cmd.sh'), script);
    for (const [name, text] of Object.entries(opts.files ?? {})) fs.writeFileSync(path.join(out, name), text);
    const r = spawnSync(
      'qemu-system-x86_64',
      [
        '-accel', accel, ...(accel === 'kvm' ? ['-cpu', 'host'] : []), '-smp', String(cpus), '-m', String(opts.memoryMb ?? 2048),
        '-nographic', '-no-reboot', '-nic', 'none',
        '-kernel', k.vmlinuz, '-initrd', k.initrd,
        '-append', `console=ttyS0 quiet panic=-1 kats_out=${out} kats_cache=loose`,
        '-virtfs', 'local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap',
        '-virtfs', `local,path=${out},mount_tag=out,security_model=passthrough`,
      ],
      { encoding: 'utf8', timeout: opts.timeoutMs, maxBuffer: 1 << 26 },
    );
    const rcFile = path.join(out, 'rc');
    if (!fs.existsSync(rcFile)) {
      const log = fs.existsSync(path.join(out, 'log')) ? fs.readFileSync(path.join(out, 'log'), 'utf8') : '';
      throw new Error(`the VM did not complete the bench (qemu status ${r.status}, signal ${r.signal}):\n${log.slice(-3000)}\n${r.stdout?.slice(-2000)}`);
    }
    const output = fs.readFileSync(path.join(out, 'log'), 'utf8');
    const records = output
      .split('\n')
      .filter((l) => l.startsWith('KATS '))
      .map((l) => JSON.parse(l.slice(5)) as unknown);
    return { accel, cpus, exitCode: Number(fs.readFileSync(rcFile, 'utf8').trim()), output, records, bootMs: Date.now() - started };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

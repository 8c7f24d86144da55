/**
 * Network-namespace test support: create namespaces with veth interfaces,
 * run commands inside them, and always clean up. Needs root and iproute2.
 * Outside CI a machine without them skips the layer; in CI it fails loudly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { isCi } from '../../lab/host.js';
import { requireLayerOrSkip } from '../setup/layer.js';

/** Root and `ip netns`: enough for a test that only needs a namespace (the unit layer's native tests). */
export function requireNamespacesOrSkip(): boolean {
  const why = process.getuid?.() !== 0 ? 'not root' : spawnSync('ip', ['netns', 'list']).status !== 0 ? 'iproute2 `ip netns` not usable' : undefined;
  if (!why) return true;
  if (isCi(process.env)) throw new Error(`namespace tests cannot run in CI: ${why}`);
  console.warn(`namespace tests skipped: ${why}`);
  return false;
}

/** The netns layer: what test/setup decided (installed what was missing, or skipped with one line). */
export const requireNetnsOrSkip = (): boolean => requireLayerOrSkip('netns');

export class Netns {
  readonly name: string;
  constructor(prefix: string) {
    this.name = `kats-${prefix}-${process.pid}`;
    execFileSync('ip', ['netns', 'add', this.name]);
  }

  ip(...args: string[]): void {
    execFileSync('ip', ['-n', this.name, ...args]);
  }

  /** veth pairs named as given, both ends inside this namespace, up. */
  addVeths(names: string[]): void {
    this.ip('link', 'set', 'lo', 'up');
    names.forEach((n, i) => {
      this.ip('link', 'add', n, 'type', 'veth', 'peer', 'name', `peer${i}`);
      this.ip('link', 'set', `peer${i}`, 'up');
      this.ip('link', 'set', n, 'up');
    });
  }

  run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.name, cmd, ...args], { cwd: opts.cwd, timeout: opts.timeoutMs ?? 20_000, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  delete(): void {
    spawnSync('ip', ['netns', 'delete', this.name]);
  }
}

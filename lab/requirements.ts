/**
 * What each root test layer needs from the machine, and what to do when some
 * of it is missing: install it (root with a package manager), skip the layer
 * with one line saying how to get it, or, in CI, fail. Pure: the machine is
 * described by a Host, so the decision is unit-tested with fake ones.
 */

export type Layer = 'netns' | 'vm';
export const LAYERS: readonly Layer[] = ['netns', 'vm'];

export type PackageManager = 'apt-get' | 'dnf';

/** A command a layer runs, and the package that provides it: Debian's, and dnf's where dnf has one. */
export interface Requirement {
  readonly command: string;
  readonly packages: { readonly 'apt-get': string; readonly dnf?: string };
}

const both = (command: string, pkg: string): Requirement => ({ command, packages: { 'apt-get': pkg, dnf: pkg } });

export const REQUIREMENTS: Readonly<Record<Layer, readonly Requirement[]>> = {
  netns: [
    { command: 'ip', packages: { 'apt-get': 'iproute2', dnf: 'iproute' } },
    { command: 'sysctl', packages: { 'apt-get': 'procps', dnf: 'procps-ng' } },
    both('keepalived', 'keepalived'),
    both('tcpdump', 'tcpdump'),
    both('python3', 'python3'),
    both('nft', 'nftables'),
    // busybox ping: whether a VIP answers behind the firewall (iputils-ping is not on every test host)
    { command: 'busybox', packages: { 'apt-get': 'busybox-static', dnf: 'busybox' } },
  ],
  // Debian's kernel (it has ip_vs) is fetched with apt-get and unpacked with dpkg (see lab/vm.ts).
  vm: [
    { command: 'qemu-system-x86_64', packages: { 'apt-get': 'qemu-system-x86', dnf: 'qemu-system-x86-core' } },
    { command: 'busybox', packages: { 'apt-get': 'busybox-static', dnf: 'busybox' } },
    both('depmod', 'kmod'),
    both('gzip', 'gzip'), // the initramfs: busybox cpio | gzip
    both('ipvsadm', 'ipvsadm'),
    { command: 'ip', packages: { 'apt-get': 'iproute2', dnf: 'iproute' } },
    { command: 'apt-get', packages: { 'apt-get': 'apt' } },
    { command: 'dpkg', packages: { 'apt-get': 'dpkg' } },
  ],
};

/** The machine as the decision sees it. */
export interface Host {
  readonly isRoot: boolean;
  readonly ci: boolean;
  readonly packageManager: PackageManager | undefined;
  has(command: string): boolean;
}

export type Plan =
  | { readonly kind: 'ready' }
  | { readonly kind: 'install'; readonly manager: PackageManager; readonly packages: readonly string[]; readonly line: string }
  | { readonly kind: 'skip'; readonly line: string }
  | { readonly kind: 'fail'; readonly message: string };

export const missingCommands = (layer: Layer, host: Host): string[] =>
  REQUIREMENTS[layer].filter((r) => !host.has(r.command)).map((r) => r.command);

/** The packages for `commands`: the manager's names, Debian's where it has none or there is no manager. */
function packagesFor(layer: Layer, commands: readonly string[], manager: PackageManager | undefined): string[] {
  const names = REQUIREMENTS[layer]
    .filter((r) => commands.includes(r.command))
    .map((r) => r.packages[manager ?? 'apt-get'] ?? r.packages['apt-get']);
  return [...new Set(names)];
}

export const installCommand = (manager: PackageManager, packages: readonly string[]): string =>
  manager === 'apt-get' ? `apt-get install -y --no-install-recommends ${packages.join(' ')}` : `dnf install -y ${packages.join(' ')}`;

/** Skip outside CI, fail in it: a CI run whose layer cannot run must not look green. */
export function cannotRun(layer: Layer, why: string, host: Pick<Host, 'ci'>): Exclude<Plan, { kind: 'ready' | 'install' }> {
  if (host.ci) return { kind: 'fail', message: `${layer} test layer cannot run in CI: ${why}` };
  return { kind: 'skip', line: `${layer} tests skipped: ${why}` };
}

export function planLayer(layer: Layer, host: Host): Plan {
  const missing = missingCommands(layer, host);
  if (host.isRoot && missing.length === 0) return { kind: 'ready' };
  const manager = host.packageManager;
  const packages = packagesFor(layer, missing, manager);
  const howTo = `${manager ?? 'apt-get'} install ${packages.join(' ')}`;
  if (!host.isRoot) {
    const need = missing.length ? `; it also needs ${missing.join(', ')} (as root: ${howTo})` : '';
    return cannotRun(layer, `not root (run the tests as root${need})`, host);
  }
  const unprovided = manager ? REQUIREMENTS[layer].filter((r) => missing.includes(r.command) && !r.packages[manager]).map((r) => r.command) : missing;
  if (!manager || unprovided.length > 0) {
    const where = manager ? `${manager} cannot provide ${unprovided.join(', ')}` : 'no apt-get or dnf to install them';
    return cannotRun(layer, `missing ${missing.join(', ')} and ${where} (on Debian or Ubuntu: ${installCommand('apt-get', packagesFor(layer, missing, 'apt-get'))})`, host);
  }
  return { kind: 'install', manager, packages, line: `test set-up: installing ${packages.join(' ')} for the ${layer} tests (${manager})` };
}

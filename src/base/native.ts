/**
 * Typed access to the project's N-API addon (native/): what neither Node nor raw-socket can do —
 * sd_notify, syslog datagrams, AF_PACKET frames, raw IPv6 VRRP with the received hop limit (recvmsg ancillary
 * data), mkfifo, real-time signals, close-on-exec for descriptors opened without it.
 * The addon is loaded on first use, so modules that import this one still load where it is not built.
 * Failed system calls throw Errors with `code` ('ENODEV', 'EAGAIN', ...), `errno` and `syscall`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A VRRP packet as received on a raw IPv6 socket (the kernel has already verified its checksum). */
export interface Ip6Packet {
  /** The VRRP header and payload; an IPv6 raw socket never delivers the IPv6 header. */
  data: Buffer;
  source: string;
  /** ff02::12 for multicast adverts, our own address for unicast_peer ones. */
  destination: string;
  /** RFC 5798 §7.1: a receiver drops adverts whose hop limit is not 255. */
  hopLimit: number;
  ifindex: number;
}

/** The addon's own functions, as native/src/keepalived_native.c exports them. */
interface Addon {
  sdNotify(socketPath: string, message: Buffer): true;
  packetOpen(ifindex: number): number;
  packetSend(fd: number, frame: Buffer): number;
  ip6Open(ifindex: number, group: string): number;
  ip6Recv(fd: number): Ip6Packet | null;
  ip6Send(fd: number, data: Buffer, destination: string, source: string, hopLimit: number): number;
  pollStart(fd: number, onReadable: (error?: Error) => void): object;
  pollStop(handle: object): void;
  signalStart(signum: number, onSignal: () => void): object;
  signalStop(handle: object): void;
  sigrtmin(): number;
  close(fd: number): void;
  mkfifo(path: string, mode: number): void;
  cloexecFrom(lowest: number): void;
  syslogSend(socketPath: string, line: Buffer): true;
}

const ADDON = 'native/build/Release/keepalived_native.node';
let addon: Addon | undefined;

/** The package root is the nearest folder with a package.json: two levels up from src/, three from dist/src/. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

function load(): Addon {
  if (addon) return addon;
  const file = path.join(packageRoot(), ADDON);
  try {
    addon = createRequire(import.meta.url)(file) as Addon;
  } catch (cause) {
    throw new Error(
      `keepalived-ts native addon not loadable (${file}); build it with \`npm run build:native\` ` +
        '(node-gyp, a C compiler and make; offline, set npm_config_nodedir=/usr)',
      { cause },
    );
  }
  return addon;
}

const MADVISE_LOCKED = 'native/build/Release/madvise_locked.node';

/**
 * The library the parent preloads into its children (LD_PRELOAD) so that `*_no_swap` can lock them in memory
 * (native/src/madvise_locked.c); undefined when it is not built.
 */
export function madviseLockedLibrary(): string | undefined {
  const file = path.join(packageRoot(), MADVISE_LOCKED);
  return existsSync(file) ? file : undefined;
}

/** The loaded addon, typed by the caller: another base/ binding's view of its own C file's functions. */
export function loadAddon<T extends object>(): T {
  return load() as unknown as T;
}

/**
 * Send `state` (e.g. "READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...") to the service manager, as
 * sd_notify(3) does: to the unix datagram socket named by $NOTIFY_SOCKET, a path or "@abstract" name.
 * Returns false when NOTIFY_SOCKET is unset (not started by systemd with Type=notify).
 */
export function sdNotify(state: string): boolean {
  const socketPath = process.env.NOTIFY_SOCKET;
  if (!socketPath) return false;
  return load().sdNotify(socketPath, Buffer.from(state));
}

/**
 * Call `onSignal` from the event loop on each delivery of signal `signum`, for the signals Node's
 * process.on does not know (real-time ones: keepalived's SIGJSON is SIGRTMIN+2). Like Node's own
 * signal watches it does not keep the process running. Returns the function that stops the watch.
 */
export function watchSignal(signum: number, onSignal: () => void): () => void {
  const native = load();
  const handle = native.signalStart(signum, onSignal);
  return () => native.signalStop(handle);
}

/** glibc's SIGRTMAX on Linux (_NSIG - 1): fixed, unlike SIGRTMIN. */
export function sigrtmax(): number {
  return 64;
}

/** keepalived's SIGSTATS_CLEAR, SIGRTMAX-1: keepalived.stats written, then the counters cleared. */
export function sigStatsClear(): number {
  return sigrtmax() - 1;
}

/** The C library's SIGRTMIN (34 with glibc, which keeps the first ones for itself). */
export function sigrtmin(): number {
  return load().sigrtmin();
}

/** mkfifo(3): creates a FIFO (throws EEXIST and the like with their code). */
export function makeFifo(file: string, mode: number): void {
  load().mkfifo(file, mode);
}

/** The first descriptor after stdin, stdout and stderr, which scripts do get (on /dev/null). */
const FIRST_AFTER_STDIO = 3;

/**
 * Marks every open descriptor but stdio close-on-exec, so that no script inherits one: raw-socket opens
 * its sockets without SOCK_CLOEXEC and does not show their numbers, and a daemon may have been started
 * with descriptors of its starter's. close_range(2), or each one in /proc/self/fd on kernels before 5.11.
 */
export function markDescriptorsCloseOnExec(): void {
  load().cloexecFrom(FIRST_AFTER_STDIO);
}

/** An AF_PACKET socket that sends whole Ethernet frames out of one interface. */
export interface PacketSocket {
  /** Never blocks: a full transmit queue throws EAGAIN (the frame is dropped, as on the wire). */
  send(frame: Buffer): void;
  close(): void;
}

/** After close() the descriptor is -1, so a late call fails with EBADF instead of reaching a reused fd. */
export function openPacketSocket(ifindex: number): PacketSocket {
  const native = load();
  let fd = native.packetOpen(ifindex);
  return {
    send(frame) {
      native.packetSend(fd, frame);
    },
    close() {
      if (fd >= 0) native.close(fd);
      fd = -1;
    },
  };
}

export interface Vrrp6SendOptions {
  /** Default: the kernel's choice, the interface's link-local address (what VRRPv3 over IPv6 sends from). */
  source?: string;
  /** Default 255, the only value a VRRP receiver accepts. */
  hopLimit?: number;
}

/**
 * A raw IPv6 socket for VRRP (protocol 112) on one interface: bound to it, joined to `group`, the
 * VRRPv3 checksum computed and verified by the kernel (IPV6_CHECKSUM 6), own multicast not looped back.
 */
export interface Vrrp6Socket {
  readonly fd: number;
  /** The next pending packet, or null when none is. Never blocks. */
  receive(): Ip6Packet | null;
  /** `destination` without a %zone: the socket's interface is the scope. */
  send(data: Buffer, destination: string, options?: Vrrp6SendOptions): void;
  /**
   * Call `onReadable` from the event loop whenever a packet is pending (level-triggered: it may `receive()`
   * a batch and return, and is called again on a later turn while packets are left), or with an error if
   * polling failed. Replaces an earlier callback: libuv allows one watch per descriptor.
   */
  watch(onReadable: (error?: Error) => void): void;
  unwatch(): void;
  /** Stops the watch and closes the socket; idempotent. */
  close(): void;
}

export const VRRP6_GROUP = 'ff02::12';

export function openVrrp6Socket(ifindex: number, group: string = VRRP6_GROUP): Vrrp6Socket {
  const native = load();
  let fd = native.ip6Open(ifindex, group);
  let poll: object | undefined;
  const unwatch = (): void => {
    if (poll) native.pollStop(poll);
    poll = undefined;
  };
  return {
    get fd() {
      return fd;
    },
    receive: () => native.ip6Recv(fd),
    send(data, destination, { source = '', hopLimit = 255 } = {}) {
      native.ip6Send(fd, data, destination, source, hopLimit);
    },
    watch(onReadable) {
      unwatch();
      poll = native.pollStart(fd, onReadable);
    },
    unwatch,
    close() {
      unwatch();
      if (fd >= 0) native.close(fd);
      fd = -1;
    },
  };
}

/** One syslog datagram to the unix socket at socketPath (/dev/log); throws, never waits, when it is absent or full. */
export function syslogSend(socketPath: string, line: Buffer): void {
  load().syslogSend(socketPath, line);
}

/**
 * What the config reader and checks need to know about the host: interfaces,
 * users, files (the configuration files themselves, include globs, the
 * iproute2 name tables, scripts) and host names. A port, so tests can describe
 * any host; the real implementation is the config layer's only file-system
 * access: it reads /proc/net/dev (per network namespace), /etc/passwd,
 * /etc/group, /etc/hosts and whatever the reader asks for, and asks rtnetlink
 * what kind of link an existing VMAC or ipvlan name is. Nothing here changes
 * the system.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { linkKind, type LinkKind } from '../base/link-kind.js';

export interface FileInfo {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  /** Only from lstat. */
  readonly isSymbolicLink?: boolean;
  /** Device and inode, to tell whether two paths are the same file. */
  readonly dev?: number;
  readonly ino?: number;
}

export interface UserInfo {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface SystemPort {
  interfaceExists(name: string): boolean;
  /** An existing link's kind and macvlan/ipvlan mode; undefined when there is none or it cannot be asked. */
  linkKind(name: string): LinkKind | undefined;
  /** A user by name (or numeric uid), as getpwnam. */
  user(name: string): UserInfo | undefined;
  /** A group by name (or numeric gid), as getgrnam; returns the gid. */
  group(name: string): number | undefined;
  stat(file: string): FileInfo | undefined;
  /** As stat, without following a final symbolic link (script security walks paths with it, glob finds dangling links). */
  lstat(file: string): FileInfo | undefined;
  /** The canonical absolute path (symbolic links, `.`, `..` resolved), or the errno code (ENOENT, …). */
  realpath(file: string): { readonly path: string } | { readonly error: string };
  /** The names in a directory (no `.` or `..`, unsorted), or undefined when it cannot be opened. */
  readdir(dir: string): string[] | undefined;
  /** A whole file as text, or why it could not be read (the text keepalived-ts puts in "open problem (…)"). */
  readText(file: string, encoding: 'latin1' | 'utf8'): { readonly text: string } | { readonly error: string };
  /** Our own identity, for default script users. */
  readonly uid: number;
  readonly gid: number;
  hostname(): string;
  /** Addresses for a host name from the hosts file; no DNS, the test runs offline. */
  resolveHost(name: string): string[];
  readonly pathEnv: string;
}

function readTable(file: string): string[][] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/**
 * The largest file the reader takes (the largest real configuration we know is under 200 KiB). keepalived reads
 * line by line without a limit: a 1 GiB include keeps each of its processes reading for as long as that takes;
 * reading it whole would take that much memory in each of ours.
 */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A regular file's bytes, at most `limit` of them, or why not. O_NONBLOCK: a FIFO put where the caller's stat
 * saw a file must not block the open (nor the process); fstat then refuses it, on the file actually opened.
 */
export function readBounded(file: string, limit: number): { readonly bytes: Buffer } | { readonly error: string } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    return { error: (e as Error).message };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { error: `${file} is not a regular file` };
    const tooLarge = { error: `EFBIG: file too large, ${file} (more than ${limit} bytes)` };
    if (st.size > limit) return tooLarge;
    // one byte more than the size: a file growing while read is read on, up to the limit
    let buffer = Buffer.alloc(Math.min(st.size, limit) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > limit) return tooLarge;
        const bigger = Buffer.alloc(Math.min(2 * length, limit + 1));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return { bytes: buffer.subarray(0, length) };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    fs.closeSync(fd);
  }
}

function fileInfo(st: fs.Stats): FileInfo {
  const { mode, uid, gid, dev, ino } = st;
  return { mode, uid, gid, dev, ino, isFile: st.isFile(), isDirectory: st.isDirectory(), isSymbolicLink: st.isSymbolicLink() };
}

export function hostSystem(): SystemPort {
  let interfaces: Set<string> | undefined;
  let passwd: string[][] | undefined;
  let groups: string[][] | undefined;
  return {
    linkKind(name) {
      try {
        return linkKind(name);
      } catch {
        return undefined;
      }
    },
    interfaceExists(name) {
      if (!interfaces) {
        interfaces = new Set();
        try {
          for (const line of fs.readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
            const m = /^\s*([^:\s]+):/.exec(line);
            if (m) interfaces.add(m[1]!);
          }
        } catch {
          for (const n of Object.keys(os.networkInterfaces())) interfaces.add(n);
        }
      }
      return interfaces.has(name);
    },
    user(name) {
      passwd ??= readTable('/etc/passwd');
      const byNumber = /^\d+$/.test(name);
      const row = passwd.find((r) => (byNumber ? r[2] === name : r[0] === name));
      return row ? { name: row[0]!, uid: Number(row[2]), gid: Number(row[3]) } : undefined;
    },
    group(name) {
      groups ??= readTable('/etc/group');
      const byNumber = /^\d+$/.test(name);
      const row = groups.find((r) => (byNumber ? r[2] === name : r[0] === name));
      return row ? Number(row[2]) : undefined;
    },
    stat(file) {
      try {
        return fileInfo(fs.statSync(file));
      } catch {
        return undefined;
      }
    },
    lstat(file) {
      try {
        return fileInfo(fs.lstatSync(file));
      } catch {
        return undefined;
      }
    },
    realpath(file) {
      try {
        return { path: fs.realpathSync.native(file) };
      } catch (e) {
        return { error: (e as NodeJS.ErrnoException).code ?? 'ENOENT' };
      }
    },
    readdir(dir) {
      try {
        return fs.readdirSync(dir);
      } catch {
        return undefined;
      }
    },
    readText(file, encoding) {
      const read = readBounded(file, MAX_CONFIG_FILE_BYTES);
      return 'bytes' in read ? { text: read.bytes.toString(encoding) } : read;
    },
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    hostname: () => os.hostname(),
    resolveHost(name) {
      const out: string[] = [];
      for (const line of fs.existsSync('/etc/hosts') ? fs.readFileSync('/etc/hosts', 'utf8').split('\n') : []) {
        const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
        if (addr && names.includes(name)) out.push(addr);
      }
      return out;
    },
    pathEnv: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
}

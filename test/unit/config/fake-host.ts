/**
 * A described host for the config tests: files with owners, modes and text,
 * symbolic links, users, groups and PATH, behind the SystemPort; and a
 * configuration laid over any SystemPort.
 */
import * as path from 'node:path';
import type { FileInfo, SystemPort, UserInfo } from '../../../src/config/system.js';
import type { LinkKind } from '../../../src/base/link-kind.js';

export interface FakeFile {
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
  /** A symbolic link to this target (absolute). */
  readonly link?: string;
  readonly dir?: boolean;
  /** What reading the file gives (empty unless told). */
  readonly text?: string;
}

export interface FakeHostOptions {
  readonly files?: Record<string, FakeFile>;
  readonly users?: readonly UserInfo[];
  readonly groups?: Record<string, number>;
  readonly hosts?: Record<string, string>;
  readonly path?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly interfaces?: readonly string[];
  /** The kind and mode of some of `interfaces` (the others have none: NICs). */
  readonly linkKinds?: Readonly<Record<string, LinkKind>>;
  readonly hostname?: string;
}

const DIR = { mode: 0o40755, dir: true };

/** Every parent directory of the given files exists as root-owned 0755. */
export function fakeHost(o: FakeHostOptions = {}): SystemPort {
  const files = new Map<string, FakeFile>([['/', DIR]]);
  for (const [name, f] of Object.entries(o.files ?? {})) {
    for (let d = path.dirname(name); !files.has(d); d = path.dirname(d)) files.set(d, DIR);
    files.set(name, f);
  }
  let ino = 1;
  const inodes = new Map<string, number>();
  const info = (name: string, f: FakeFile, lstat: boolean): FileInfo => {
    if (!inodes.has(name)) inodes.set(name, ino++);
    return {
      mode: f.mode,
      uid: f.uid ?? 0,
      gid: f.gid ?? 0,
      isFile: !f.dir && !(lstat && f.link),
      isDirectory: !!f.dir,
      isSymbolicLink: lstat && !!f.link,
      dev: 1,
      ino: inodes.get(name),
    };
  };
  /** Resolve every symbolic link on the way. */
  const resolve = (name: string, depth = 0): string | undefined => {
    if (depth > 20) return undefined;
    const parts = path.resolve('/', name).split('/').filter(Boolean);
    let cur = '/';
    for (const part of parts) {
      cur = path.join(cur, part);
      const f = files.get(cur);
      if (!f) return undefined;
      if (f.link) {
        const target = resolve(path.resolve(path.dirname(cur), f.link), depth + 1);
        if (!target) return undefined;
        cur = target;
      }
    }
    return cur;
  };
  const users = o.users ?? [{ name: 'root', uid: 0, gid: 0 }];
  return {
    interfaceExists: (n) => (o.interfaces ?? ['lo', 'eth0']).includes(n),
    linkKind: (n) => ((o.interfaces ?? ['lo', 'eth0']).includes(n) ? (o.linkKinds?.[n] ?? {}) : undefined),
    user: (n) => users.find((u) => u.name === n || String(u.uid) === n),
    group: (n) => (o.groups ?? { root: 0 })[n],
    stat(name) {
      const real = resolve(name);
      const f = real ? files.get(real) : undefined;
      return real && f ? info(real, f, false) : undefined;
    },
    lstat(name) {
      const abs = path.resolve('/', name);
      const dir = resolve(path.dirname(abs));
      const full = dir ? path.join(dir, path.basename(abs)) : undefined;
      const f = full ? files.get(full) : undefined;
      return full && f ? info(full, f, true) : undefined;
    },
    realpath(name) {
      const real = resolve(name);
      return real ? { path: real } : { error: 'ENOENT' };
    },
    readdir(name) {
      const real = resolve(name);
      if (!real || !files.get(real)?.dir) return undefined;
      return [...files.keys()].filter((f) => f !== '/' && path.dirname(f) === real).map((f) => path.basename(f));
    },
    readText(name) {
      const real = resolve(name);
      const f = real ? files.get(real) : undefined;
      if (!f) return { error: `ENOENT: no such file or directory, open '${name}'` };
      return f.dir ? { error: 'EISDIR: illegal operation on a directory, read' } : { text: f.text ?? '' };
    },
    uid: o.uid ?? 0,
    gid: o.gid ?? 0,
    hostname: () => o.hostname ?? 'lb1',
    resolveHost: (n) => (o.hosts?.[n] ? [o.hosts[n]!] : []),
    pathEnv: o.path ?? '/usr/sbin:/usr/bin',
  };
}

/** A root-owned executable script. */
export const EXEC: FakeFile = { mode: 0o100755 };

/** A root-owned configuration file (0644) with this text. */
export const conf = (text: string): FakeFile => ({ mode: 0o100644, text });

/** `sys` with these configuration files (absolute names) laid over it; everything else is asked of `sys`. */
export function withFiles(sys: SystemPort, texts: Record<string, string>): SystemPort {
  const own = fakeHost({ files: Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, conf(text)])) });
  const mine = (name: string): boolean => path.resolve('/', name) in texts;
  return {
    ...sys,
    stat: (name) => (mine(name) ? own.stat(name) : sys.stat(name)),
    lstat: (name) => (mine(name) ? own.lstat(name) : sys.lstat(name)),
    realpath: (name) => (mine(name) ? own.realpath(name) : sys.realpath(name)),
    readdir(dir) {
      const added = Object.keys(texts).filter((name) => path.dirname(name) === path.resolve('/', dir)).map((name) => path.basename(name));
      const present = sys.readdir(dir);
      return present || added.length ? [...(present ?? []), ...added] : undefined;
    },
    readText: (name, encoding) => (mine(name) ? own.readText(name, encoding) : sys.readText(name, encoding)),
  };
}

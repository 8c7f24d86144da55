/**
 * IPVS faked for both daemons on a kernel without it (this host; the VM has a real one): keepalived-ts through
 * NODE_OPTIONS (register.ts, which swaps in netlink-port.ts), keepalived through an LD_PRELOAD built from sockopt.c.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../package-root.js';

/** NODE_OPTIONS for keepalived-ts (from build/, where the lab is compiled). */
export const FAKE_IPVS_NODE_OPTIONS = `--import=${pathToFileURL(path.join(PACKAGE_ROOT, 'build', 'lab', 'fake-ipvs', 'register.js')).href}`;

/** keepalived's preload, built in `dir`; `why` when it cannot be (no C compiler). */
export function buildSockoptPreload(dir: string): { so: string } | { why: string } {
  const so = path.join(dir, 'fake-ipvs.so');
  const source = path.join(PACKAGE_ROOT, 'lab', 'fake-ipvs', 'sockopt.c');
  const r = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', so, source, '-ldl'], { encoding: 'utf8' });
  if (r.error) return { why: `no C compiler to build keepalived's fake IPVS (${source}): ${r.error.message}` };
  return r.status === 0 ? { so } : { why: `keepalived's fake IPVS (${source}) did not build: ${r.stderr.trim().split('\n')[0]}` };
}

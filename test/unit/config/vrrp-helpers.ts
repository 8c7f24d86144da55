/** Parse a configuration text on a fake host (interfaces eth0, eth1, lo) and collect keepalived's texts. */
import { keepalivedText } from '../../../src/config/diagnostics.js';
import type { ParseResult } from '../../../src/config/parse.js';
import { parseConfigText } from './parse-text.js';
import { hostSystem, type FileInfo, type SystemPort } from '../../../src/config/system.js';

export const SCRIPT = '/usr/local/bin/check.sh';

export function fakeHost(interfaces = ['lo', 'eth0', 'eth1']): SystemPort {
  const host = hostSystem();
  const files: Record<string, FileInfo> = {
    [SCRIPT]: { mode: 0o100755, uid: 0, gid: 0, isFile: true, isDirectory: false },
    '/usr/local/bin': { mode: 0o40755, uid: 0, gid: 0, isFile: false, isDirectory: true },
    '/usr/local': { mode: 0o40755, uid: 0, gid: 0, isFile: false, isDirectory: true },
    '/usr': { mode: 0o40755, uid: 0, gid: 0, isFile: false, isDirectory: true },
    '/': { mode: 0o40755, uid: 0, gid: 0, isFile: false, isDirectory: true },
  };
  return {
    ...host,
    interfaceExists: (name) => interfaces.includes(name),
    user: (name) => (name === 'root' || name === '0' ? { name: 'root', uid: 0, gid: 0 } : undefined),
    group: (name) => (name === 'root' || name === '0' ? 0 : undefined),
    stat: (f) => files[f],
    lstat: (f: string) => files[f],
    realpath: (f: string) => (files[f] ? { path: f } : { error: 'ENOENT' }),
    uid: 0,
    gid: 0,
    hostname: () => 'test',
  } as SystemPort;
}

export interface Parsed {
  result: ParseResult;
  /** keepalived's texts without the line prefix. */
  messages: string[];
  exitCode: number;
}

export function parseText(text: string, sys = fakeHost()): Parsed {
  const result = parseConfigText(text, sys);
  return {
    result,
    messages: result.diagnostics.map((d) => keepalivedText(d).replace(/^\([^)]*Line \d+\) /, '')),
    exitCode: result.exitCode,
  };
}

/** A minimal valid instance, with extra lines inside its block. */
export function instance(extra = '', name = 'VI_1'): string {
  return `vrrp_instance ${name} {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n${extra}\n}\n`;
}

export const SECURE = 'global_defs {\n enable_script_security\n script_user root\n}\n';

/** Parsing a checker configuration from text on a fake host, for the check*.test.ts files. */
import { keepalivedText } from '../../../src/config/diagnostics.js';
import type { ParseResult } from '../../../src/config/parse.js';
import { parseConfigText } from './parse-text.js';
import { hostSystem, type SystemPort } from '../../../src/config/system.js';

/** A host with mode B's interfaces, root, and (unless told) no keepalived_script user. */
export function fakeSystem(opts: { scriptUser?: boolean } = {}): SystemPort {
  const host = hostSystem();
  return {
    ...host,
    interfaceExists: (n) => ['lo', 'eth0', 'eth1'].includes(n),
    linkKind: (n) => (['lo', 'eth0', 'eth1'].includes(n) ? {} : undefined),
    user: (n) => (n === 'root' || n === '0' ? { name: 'root', uid: 0, gid: 0 } : n === 'keepalived_script' && opts.scriptUser ? { name: n, uid: 998, gid: 998 } : undefined),
    group: (n) => (n === 'root' || n === '0' ? 0 : undefined),
    hostname: () => 'test',
  };
}

export interface Parsed extends ParseResult {
  /** keepalived's text of every diagnostic, in order. */
  readonly messages: string[];
}

export function parseText(text: string, sys: SystemPort = fakeSystem()): Parsed {
  const r = parseConfigText(text, sys);
  return { ...r, messages: r.diagnostics.map(keepalivedText) };
}

/** A virtual server block around `body` (address 10.0.0.1 80 unless `head` says otherwise). */
export function vs(body: string, head = '10.0.0.1 80'): string {
  return `virtual_server ${head} {\n${body}\n}\n`;
}

/** Parse a configuration text on a fake host (interfaces eth0, eth1, lo) and collect keepalived's texts. */
import { keepalivedText } from '../../../src/config/diagnostics.js';
import type { ParseResult } from '../../../src/config/parse.js';
import { parseConfigText } from './parse-text.js';
import type { SystemPort } from '../../../src/config/system.js';
import { EXEC, fakeHost } from './fake-host.js';

export const SCRIPT = '/usr/local/bin/check.sh';

/** Interfaces lo, eth0 and eth1, only root, and one executable script. */
export function vrrpHost(): SystemPort {
  return fakeHost({ interfaces: ['lo', 'eth0', 'eth1'], hostname: 'test', files: { [SCRIPT]: EXEC } });
}

export interface Parsed {
  result: ParseResult;
  /** keepalived's texts without the line prefix. */
  messages: string[];
  exitCode: number;
}

export function parseText(text: string, sys = vrrpHost()): Parsed {
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

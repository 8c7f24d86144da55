/** Probe targets for the scheduler and probe tests: one checker block in one real server, parsed as keepalived.conf. */
import type { ProbeTarget } from '../../../src/check/probe.js';
import { parseText } from '../config/check-helpers.js';

export interface TargetOptions {
  /** `real_server` address and port. */
  rs?: string;
  /** `virtual_server` address and port. */
  vs?: string;
  protocol?: 'TCP' | 'UDP';
  /** Extra lines in the virtual server (delay_loop, alpha, …). */
  vsExtra?: string;
  /** Extra lines in the real server (weight, FILE_CHECK, …). */
  rsExtra?: string;
}

/** Throws with keepalived's diagnostics when the block yields no checker. */
export function checkTarget(block: string, options: TargetOptions = {}): ProbeTarget {
  const { rs = '127.0.0.1 80', vs: vsHead = '10.0.0.1 80', protocol = 'TCP', vsExtra = '', rsExtra = '' } = options;
  const text = `virtual_server ${vsHead} {\n protocol ${protocol}\n ${vsExtra}\n real_server ${rs} {\n  ${rsExtra}\n  ${block}\n }\n}\n`;
  const parsed = parseText(text);
  const vs = parsed.config.check.virtualServers[0];
  const server = vs?.realServers[0];
  const checker = server?.checkers[0];
  if (!vs || !server || !checker) throw new Error(`no checker in:\n${text}\n${parsed.messages.join('\n')}`);
  return { vs, rs: server, checker };
}

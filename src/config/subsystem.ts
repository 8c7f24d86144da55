/**
 * What a subsystem's keyword handlers and validators get from the parser:
 * the host port, the reporter, and the pass they run in. keepalived parses
 * the file once per process (parent: global_defs; checker; vrrp; bfd), each
 * with the other processes' roots skipped; we do the same, so an error in one
 * subsystem's block cascades exactly as it does in keepalived.
 */
import type { ConfigErr, Location } from './diagnostics.js';
import type { LineReader } from './reader.js';
import type { ScriptApproval } from './scripts/approval.js';
import type { SystemPort } from './system.js';

export type Pass = 'parent' | 'checker' | 'vrrp' | 'bfd';

export interface PassEnv {
  readonly pass: Pass;
  readonly sys: SystemPort;
  /** `-t`: numbers with trailing garbage are rejected instead of used. */
  readonly testMode: boolean;
  readonly configId: string;
  readonly reader: LineReader;
  /** Report with an explicit location (validators) or none (keepalived prints none). */
  report(cls: ConfigErr, message: string, hint?: string, loc?: Location): void;
  log(message: string): void;
  /** A script that passed script security: the only scripts the daemon will run. */
  approveScript(approval: ScriptApproval): void;
}

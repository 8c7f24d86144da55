/** `lvs_method` / `lb_kind`: NAT | DR | TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]. */
import { ConfigErr } from '../diagnostics.js';
import type { Ctx } from '../engine.js';
import type { ForwardingDraft } from './draft.js';

const METHODS = ['NAT', 'DR', 'TUN'] as const;
const CHECKSUMS = ['nocsum', 'csum', 'remcsum'] as const;

/**
 * Apply the method to `fwd`. As keepalived, the method sticks even when the
 * tunnel options that follow are rejected; the tunnel settings change only
 * when they are all valid. `server` is "virtual", "real" or "sorry".
 */
export function readForwarding(ctx: Ctx, fwd: ForwardingDraft, server: string): void {
  const err = (m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const method = ctx.word(1);
  if (!(METHODS as readonly string[]).includes(method)) {
    err(`PARSER : unknown [${method}] routing method for ${server} server.`);
    return;
  }
  fwd.method = method as ForwardingDraft['method'];

  let type: ForwardingDraft['tunnelType'] = 'ipip';
  let port = 0;
  let checksum: ForwardingDraft['tunnelChecksum'] = 'nocsum';
  for (let i = 2; i < ctx.length; i++) {
    const w = ctx.words[i]!;
    if (w === 'type') {
      const t = ctx.words[i + 1];
      if (t === undefined) return err(`Missing tunnel type for ${server} server.`);
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') return err(`Unknown tunnel type ${t} for ${server} server.`);
      type = t;
      i++;
    } else if (w === 'port') {
      const p = ctx.words[i + 1];
      if (p === undefined) return err(`Missing port for ${server} server gue tunnel.`);
      const n = ctx.num.unsigned(p, 1, 65535);
      if (n === undefined) return err(`Invalid gue tunnel port ${p} for ${server} server.`);
      port = n;
      i++;
    } else if ((CHECKSUMS as readonly string[]).includes(w)) {
      checksum = w as ForwardingDraft['tunnelChecksum'];
    } else {
      return err(`Invalid tunnel option ${w} for ${server} server.`);
    }
  }
  if ((type === 'gue') !== (port !== 0)) return err('gue tunnels require port, otherwise cannot have port.');
  if (type === 'ipip' && checksum !== 'nocsum') return err('ipip tunnels do not support checksum option.');
  if (type === 'gre' && checksum === 'remcsum') return err('gre tunnels do not support remote checksum option.');
  fwd.tunnelType = type;
  fwd.tunnelPort = port;
  fwd.tunnelChecksum = checksum;
}

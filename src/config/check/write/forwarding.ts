/** `lvs_method` arguments: the method, then tunnel options only where they differ from keepalived's. */
import type { Forwarding } from '../model.js';

export function forwardingArgs(f: Forwarding): string {
  const tunnel = f.tunnelType !== 'ipip' || f.tunnelPort !== 0 || f.tunnelChecksum !== 'nocsum';
  if (!tunnel) return f.method;
  const port = f.tunnelPort ? ` port ${f.tunnelPort}` : '';
  const checksum = f.tunnelChecksum !== 'nocsum' ? ` ${f.tunnelChecksum}` : '';
  return `${f.method} type ${f.tunnelType}${port}${checksum}`;
}

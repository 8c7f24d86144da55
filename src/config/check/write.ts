/**
 * The checker configuration written back as keepalived.conf text: reading
 * it again gives the same model. Settings are written out in full where a
 * re-read would otherwise derive them (inherited ports, per-checker retry
 * defaults, weights, delay_loop propagation, global smtp_alert).
 */
import { block, quoteWord } from '../quote.js';
import type { CheckConfig, SslContext, VirtualServer, VirtualServerGroup } from './model.js';
import { groupBlock } from './write/group.js';
import { virtualServerBlock } from './write/virtual-server.js';

function sslBlock(ssl: SslContext): string[] {
  const fields = [
    ['password', ssl.password],
    ['ca', ssl.caFile],
    ['certificate', ssl.certFile],
    ['key', ssl.keyFile],
  ] as const;
  return block('SSL', fields.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${quoteWord(v!)}`));
}

/**
 * A group's virtual servers are numbered in order, counting those dropped
 * later for having no real servers; an empty one stands in for each such gap.
 */
function virtualServerBlocks(check: CheckConfig): string[] {
  const nextIndex = new Map<string, number>();
  return check.virtualServers.flatMap((vs) => {
    const lines: string[] = [];
    if (vs.key.kind === 'group') {
      for (let i = nextIndex.get(vs.key.group) ?? 0; i < vs.key.index; i++) lines.push(...block(`virtual_server group ${quoteWord(vs.key.group)}`, []));
      nextIndex.set(vs.key.group, vs.key.index + 1);
    }
    return [...lines, ...virtualServerBlock(vs, check.groups)];
  });
}

const hasSslGet = (vs: VirtualServer): boolean => vs.realServers.some((rs) => rs.checkers.some((k) => k.type === 'SSL_GET'));

/**
 * keepalived wants an SSL context once it has read any SSL_GET, even one it
 * then dropped. When no SSL_GET is left to say so, one goes in a virtual
 * server of a group that does not exist: keepalived drops it (with a log
 * line, not an error) after the SSL_GET was read.
 */
function sslRequiredMarker(groups: readonly VirtualServerGroup[]): string[] {
  let name = 'ssl-required';
  while (groups.some((g) => g.name === name)) name += '_';
  return block(`virtual_server group ${name}`, block('real_server 127.0.0.1', block('SSL_GET', block('url', ['path /']))));
}

export function writeCheck(check: CheckConfig): string[] {
  return [
    ...(check.ssl ? sslBlock(check.ssl) : []),
    ...check.groups.flatMap(groupBlock),
    ...virtualServerBlocks(check),
    ...(check.sslRequired && !check.virtualServers.some(hasSslGet) ? sslRequiredMarker(check.groups) : []),
  ];
}

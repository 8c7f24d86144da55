/**
 * A link's kind and its macvlan or ipvlan mode, through native/src/link_kind.c (one rtnetlink RTM_GETLINK by
 * name, synchronous: the config reader asks while it reads use_vmac / use_ipvlan, as keepalived's vrrp_parser.c
 * looks at an existing link of the name it is given).
 */
import { loadAddon } from './native.js';

export interface LinkKind {
  /** IFLA_INFO_KIND: 'macvlan', 'ipvlan', 'veth', …; undefined for a link without one (a NIC, lo). */
  readonly kind?: string;
  /** IFLA_MACVLAN_MODE of a macvlan, IFLA_IPVLAN_MODE of an ipvlan. */
  readonly mode?: number;
}

interface LinkKindAddon {
  linkKind(name: string): { kind: string | null; mode: number | null } | null;
}

/** The link named `name` (in this thread's network namespace), or undefined when there is none. Throws as Node's errors. */
export function linkKind(name: string): LinkKind | undefined {
  const found = loadAddon<LinkKindAddon>().linkKind(name);
  if (!found) return undefined;
  return { ...(found.kind === null ? {} : { kind: found.kind }), ...(found.mode === null ? {} : { mode: found.mode }) };
}

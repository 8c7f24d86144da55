/** Root-level keywords the parent reads outside global_defs. */
import { ConfigErr } from '../diagnostics.js';
import type { Keyword } from '../engine.js';
import type { GlobalDraft } from './model.js';
import { flag } from './flags.js';

const UINT_MAX = 4294967295;

export function rootKeywords(g: GlobalDraft): Keyword[] {
  return [
    flag('linkbeat_use_polling', () => (g.linkbeatUsePolling = true)),
    {
      name: 'net_namespace',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'net_namespace name missing - ignoring');
        if (g.networkNamespace !== undefined) return ctx.report(ConfigErr.GeneralError, `Duplicate net_namespace definition ${ctx.words[1]} - ignoring`);
        g.networkNamespace = ctx.words[1]!;
        g.usePidDir = true;
      },
    },
    {
      name: 'net_namespace_ipvs',
      handler: (ctx) => {
        if (g.networkNamespaceIpvs !== undefined) return ctx.report(ConfigErr.GeneralError, `Duplicate net_namespace_ipvs definition ${ctx.word(1)} - ignoring`);
        g.networkNamespaceIpvs = ctx.has(1) ? ctx.words[1]! : '';
      },
    },
    flag('namespace_with_ipsets', () => (g.namespaceWithIpsets = true)),
    flag('use_pid_dir', () => (g.usePidDir = true)),
    {
      name: 'instance',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'instance name missing - ignoring');
        if (g.instanceName !== undefined) return ctx.report(ConfigErr.GeneralError, `Duplicate instance definition ${ctx.words[1]} - ignoring`);
        g.instanceName = ctx.words[1]!;
        g.usePidDir = true;
      },
    },
    {
      name: 'child_wait_time',
      handler: (ctx) => {
        const v = ctx.num.unsigned(ctx.word(1), 0, UINT_MAX);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `Invalid child_wait_time ${ctx.words[1]}`);
        else g.childWaitTime = v;
      },
    },
  ];
}

/** What every VRRP keyword handler shares: the draft, the pass, the globals and host lookups. */
import { KeywordTable, type Ctx, type Keyword } from '../engine.js';
import type { GlobalDefs } from '../global/index.js';
import type { PassEnv } from '../subsystem.js';
import type { VrrpDraft } from './model.js';
import { rtTables, type RtTables } from './rttables.js';

export interface VrrpContext {
  readonly d: VrrpDraft;
  readonly env: PassEnv;
  readonly g: GlobalDefs;
  readonly rt: RtTables;
  /**
   * keepalived's if_get_by_ifname(…, IF_CREATE_IF_DYNAMIC): whether the
   * interface can be used. A missing one is accepted with dynamic_interfaces,
   * otherwise remembered (the VRRP checks then stop with "Non-existent
   * interface specified in configuration").
   */
  interfaceUsable(name: string): boolean;
  /** An interface lookup that never creates or records (IF_NO_CREATE). */
  interfaceExists(name: string): boolean;
}

export function vrrpContext(d: VrrpDraft, env: PassEnv, g: GlobalDefs): VrrpContext {
  const created = new Set<string>();
  const exists = (name: string): boolean => env.sys.interfaceExists(name) || created.has(name);
  return {
    d,
    env,
    g,
    rt: rtTables(env.sys),
    interfaceExists: exists,
    interfaceUsable(name) {
      if (exists(name)) return true;
      if (g.dynamicInterfaces) {
        created.add(name);
        env.log(`Configuration specifies interface ${name} which doesn't currently exist - will use if created`);
        return true;
      }
      if (!d.missingInterfaces.includes(name)) d.missingInterfaces.push(name);
      return false;
    },
  };
}

/**
 * A block's keyword table whose handlers only run while the block's object
 * exists: a refused block (no name, duplicate) whose contents are not skipped
 * (no '{' follows) must not touch anything.
 */
export function blockTable(open: () => boolean, keywords: readonly Keyword[]): KeywordTable {
  const guard = (k: Keyword): Keyword => ({
    ...k,
    ...(k.handler && { handler: (ctx: Ctx) => void (open() && k.handler!(ctx)) }),
    ...(k.sub && { sub: blockTable(open, [...k.sub.byName.values()]) }),
    ...(k.close && { close: (ctx: Ctx) => void (open() && k.close!(ctx)) }),
  });
  return new KeywordTable(keywords.map(guard));
}

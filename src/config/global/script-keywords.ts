/** Script-related keywords of global_defs: parent scripts, script user and security, notify FIFOs. */
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import type { PassEnv } from '../subsystem.js';
import { defaultScriptIdentity, lookupIdentity, parseScript, setGlobalScriptUser } from '../scripts/index.js';
import type { GlobalDraft, Mutable, NotifyFifo } from './model.js';

const STARTUP_SHUTDOWN_DEFAULT_TIMEOUT = 10;

function startStopScript(ctx: Ctx, env: PassEnv, g: GlobalDraft, which: 'startup' | 'shutdown'): void {
  const field = which === 'startup' ? 'startupScript' : 'shutdownScript';
  if (g[field]) return ctx.report(ConfigErr.GeneralError, `${which} script already specified`);
  if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `${which} script missing`);
  const script = parseScript(ctx, env, g, which);
  if (!script) return ctx.report(ConfigErr.GeneralError, `Invalid ${which} script`);
  g[field] = script;
  const timeout = which === 'startup' ? 'startupScriptTimeout' : 'shutdownScriptTimeout';
  if (!g[timeout]) g[timeout] = STARTUP_SHUTDOWN_DEFAULT_TIMEOUT;
}

function startStopTimeout(ctx: Ctx, g: GlobalDraft, which: 'startup' | 'shutdown'): void {
  if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `${which}_script_timeout requires value`);
  const v = ctx.num.unsigned(ctx.words[1]!, 1, 1000, true);
  if (v === undefined) return ctx.report(ConfigErr.GeneralError, `${which}_script_timeout '${ctx.words[1]}' must be in [1, 1000] - ignoring`);
  g[which === 'startup' ? 'startupScriptTimeout' : 'shutdownScriptTimeout'] = v;
}

/** `[vrrp_|lvs_]notify_fifo NAME [user [group]]`. */
function notifyFifo(ctx: Ctx, env: PassEnv, g: GlobalDraft, type: string, fifo: Mutable<NotifyFifo>): void {
  if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `No ${type}notify_fifo name specified`);
  if (fifo.name !== undefined) return ctx.report(ConfigErr.GeneralError, `${type}notify_fifo already specified - ignoring ${ctx.words[1]}`);
  // keepalived names the FIFO in these two lines before it has stored the name.
  if (ctx.has(2)) {
    const owner = lookupIdentity(env, ctx.words[2]!, ctx.words[3]);
    if (!owner) return env.log(`Invalid user/group for ${type} fifo (null) - ignoring`);
    fifo.owner = owner;
    fifo.ownerNames = { user: ctx.words[2]!, ...(ctx.has(3) ? { group: ctx.words[3]! } : {}) };
  } else {
    const owner = defaultScriptIdentity(g, env);
    if (!owner) return env.log(`Failed to set default user for ${type} fifo (null) - ignoring`);
    fifo.owner = owner;
  }
  fifo.name = ctx.words[1]!;
}

function notifyFifoScript(ctx: Ctx, env: PassEnv, g: GlobalDraft, type: string, fifo: Mutable<NotifyFifo>): void {
  if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `No ${type}notify_fifo_script specified`);
  if (fifo.script) return ctx.report(ConfigErr.GeneralError, `${type}notify_fifo_script already specified - ignoring ${ctx.words[1]}`);
  fifo.script = parseScript(ctx, env, g, `${type}notify_fifo`);
}

export function scriptKeywords(g: GlobalDraft, env: PassEnv): Keyword[] {
  const fifos: Array<[string, Mutable<NotifyFifo>]> = [
    ['', g.notifyFifo],
    ['vrrp_', g.vrrpNotifyFifo],
    ['lvs_', g.lvsNotifyFifo],
  ];
  return [
    { name: 'startup_script', quoted: true, handler: (ctx) => startStopScript(ctx, env, g, 'startup') },
    { name: 'startup_script_timeout', handler: (ctx) => startStopTimeout(ctx, g, 'startup') },
    { name: 'shutdown_script', quoted: true, handler: (ctx) => startStopScript(ctx, env, g, 'shutdown') },
    { name: 'shutdown_script_timeout', handler: (ctx) => startStopTimeout(ctx, g, 'shutdown') },
    {
      name: 'script_user',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'No script username specified');
        g.scriptUser = { user: ctx.words[1]!, group: ctx.words[2], loc: ctx.loc };
        if (!setGlobalScriptUser(g, env, ctx.words[1]!, ctx.words[2])) {
          ctx.report(ConfigErr.GeneralError, 'Error setting global script uid/gid', `no user '${ctx.words[1]}'${ctx.has(2) ? ` or group '${ctx.words[2]}'` : ''} on this host`);
        }
      },
    },
    { name: 'enable_script_security', handler: () => void (g.enableScriptSecurity = true) },
    ...fifos.flatMap(([type, fifo]): Keyword[] => [
      { name: `${type}notify_fifo`, handler: (ctx) => notifyFifo(ctx, env, g, type, fifo) },
      { name: `${type}notify_fifo_script`, quoted: true, handler: (ctx) => notifyFifoScript(ctx, env, g, type, fifo) },
    ]),
  ];
}

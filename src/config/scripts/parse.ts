/**
 * Script keyword lines, as keepalived's notify_script_init reads them:
 * `keyword "/path arg…" [user [group]]`.
 */
import type { Ctx } from '../engine.js';
import type { GlobalDefs } from '../global/model.js';
import type { PassEnv } from '../subsystem.js';
import { defaultScriptIdentity, lookupIdentity } from './identity.js';
import type { Script } from './model.js';

/**
 * The script of a quoted keyword line. `kind` names it in keepalived's log
 * lines (e.g. "notify", "startup", "vrrp_notify_fifo"). undefined when the
 * script is refused (unparsable, unknown user or group, no default user);
 * keepalived only logs these, so they are not diagnostics.
 */
export function parseScript(ctx: Ctx, env: PassEnv, global: GlobalDefs, kind: string): Script | undefined {
  const s = ctx.scriptWords();
  if (!s) {
    env.log('Unable to parse notify script');
    return undefined;
  }
  if (s.argv.length === 0) {
    env.log(`Unable to parse script '${ctx.words[1] ?? ''}' - ignoring`);
    return undefined;
  }
  const cmd = s.argv[0]!;
  if (s.user !== undefined) {
    const id = lookupIdentity(env, s.user, s.group);
    if (!id) {
      env.log(`Invalid user/group for ${kind} script ${cmd} - ignoring`);
      return undefined;
    }
    return { argv: s.argv, user: s.user, group: s.group, uid: id.uid, gid: id.gid, loc: ctx.loc };
  }
  const id = defaultScriptIdentity(global, env);
  if (!id) {
    env.log(`Failed to set default user for ${kind} script ${cmd} - ignoring`);
    return undefined;
  }
  return { argv: s.argv, uid: id.uid, gid: id.gid, loc: ctx.loc };
}

/** keepalived's cmd_str: the argv quoted for messages (`'a' 'b'`; a leading `<`/`>` word stays bare). */
export function commandText(script: Pick<Script, 'argv'>): string {
  return script.argv.map((a, i) => (i === 0 && (a[0] === '<' || a[0] === '>') ? a : `'${a}'`)).join(' ');
}

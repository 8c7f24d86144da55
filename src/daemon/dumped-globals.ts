/**
 * The global definitions a daemon's dumps print (keepalived_parent.data, keepalived.data): the
 * configuration's, with what keepalived's processes hold by then: -s in place of net_namespace (the file
 * names carry it too), the umask in force (umask_val) and the default script user, which
 * get_default_script_user resolves at the dump when no script needed it before.
 */
import type { GlobalDefs } from '../config/global/model.js';
import { DEFAULT_SCRIPT_USER } from '../config/scripts/identity.js';
import type { SystemPort } from '../config/system.js';
import type { CliOptions } from './cli-options.js';
import { effectiveUmask } from './umask.js';

export function dumpedGlobals(o: Pick<CliOptions, 'namespace' | 'umask'>, g: GlobalDefs, sys: Pick<SystemPort, 'user' | 'uid' | 'gid'>): GlobalDefs {
  return {
    ...g,
    umask: effectiveUmask(o.umask, g.umask),
    defaultScriptUser: g.defaultScriptUser ?? defaultScriptUserNow(g, sys),
    ...(o.namespace === undefined ? {} : { networkNamespace: o.namespace }),
  };
}

/** keepalived_script if it exists, else our own identity; under script security a missing one prints nothing. */
function defaultScriptUserNow(g: GlobalDefs, sys: Pick<SystemPort, 'user' | 'uid' | 'gid'>): GlobalDefs['defaultScriptUser'] {
  const pw = sys.user(DEFAULT_SCRIPT_USER);
  if (pw) return { uid: pw.uid, gid: pw.gid };
  return g.enableScriptSecurity ? 'unresolvable' : { uid: sys.uid, gid: sys.gid };
}

/**
 * What keepalived's parent does between reading the configuration and
 * starting the children's checks: fill the defaults that depend on the host
 * (init_global_data), enter the network namespace, and vet the start/stop
 * scripts.
 */
import { checkScripts, type Script } from '../scripts/index.js';
import type { PassEnv } from '../subsystem.js';
import type { GlobalDraft } from './model.js';

/** keepalived's netns_dir (RUNSTATEDIR "/netns/"). */
const NETNS_DIR = '/run/netns/';

/** What the parent does next: go on with the children's checks, or stop (keepalived then exits 0 under `-t`). */
export type ParentOutcome = 'continue' | 'stop';

function fillHostDefaults(g: GlobalDraft, env: PassEnv): void {
  const localName = env.sys.hostname();
  if (!g.routerId) g.routerId = localName;
  if (g.smtpServer && localName) {
    const me = env.sys.user(String(env.sys.uid));
    if (g.notificationEmailFrom === undefined && me) g.notificationEmailFrom = `${me.name}@${localName}`;
    g.smtpHeloName ??= localName;
  }
}

/** set_namespaces: undefined once in (or, without `enter`, once found), else its log line. */
function enterNamespace(path: string, env: PassEnv, enter: ((path: string) => void) | undefined): string | undefined {
  if (!enter) return env.sys.stat(path) ? undefined : `Failed to open ${path}`;
  try {
    enter(path);
    return undefined;
  } catch (error) {
    return namespaceFailure(path, error);
  }
}

/** set_namespaces' log line for a namespace not entered: not opened, or setns(2) refused. */
export function namespaceFailure(path: string, error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.syscall === 'setns' ? `setns() failed with error ${Math.abs(e.errno ?? 0)}` : `Failed to open ${path}`;
}

/**
 * keepalived's parent after parsing. With `net_namespace` naming a namespace
 * that does not exist, keepalived logs it and exits at once - with status 0
 * even under `-t`, and without checking the rest of the configuration.
 * `ns.override`: -s, which names the namespace instead; `ns.enter` enters it
 * (else it is only looked for).
 */
export function validateGlobal(g: GlobalDraft, env: PassEnv, ns: { override?: string; enter?: (path: string) => void } = {}): ParentOutcome {
  fillHostDefaults(g, env);

  const namespace = ns.override ?? g.networkNamespace;
  if (namespace !== undefined) {
    const failure = enterNamespace(NETNS_DIR + namespace, env, ns.enter);
    if (failure !== undefined) {
      env.log(failure);
      env.log(`Unable to set network namespace ${namespace} - exiting`);
      return 'stop';
    }
  }

  const parentScripts = [g.startupScript, g.shutdownScript].filter((s): s is Script => s !== undefined);
  if (parentScripts.length) {
    const verdicts = checkScripts(
      parentScripts.map((script) => ({ script, role: 'startStop' as const })),
      env,
      g,
      'parent',
    );
    for (const [i, script] of parentScripts.entries()) {
      if (verdicts[i]!.enabled) continue;
      if (script === g.startupScript) g.startupScript = undefined;
      else g.shutdownScript = undefined;
    }
  }
  return 'continue';
}

/**
 * What keepalived's parent does between reading the configuration and
 * starting the children's checks: fill the defaults that depend on the host
 * (init_global_data), enter the network namespace, and vet the start/stop
 * scripts.
 */
import { checkScripts, type Script } from '../scripts/index.js';
import type { PassEnv } from '../subsystem.js';
import type { GlobalDraft } from './model.js';

const NETNS_DIR = '/var/run/netns/';

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

/**
 * keepalived's parent after parsing. With `net_namespace` naming a namespace
 * that does not exist, keepalived logs it and exits at once - with status 0
 * even under `-t`, and without checking the rest of the configuration.
 */
export function validateGlobal(g: GlobalDraft, env: PassEnv): ParentOutcome {
  fillHostDefaults(g, env);

  if (g.networkNamespace !== undefined && !env.sys.stat(NETNS_DIR + g.networkNamespace)) {
    env.log(`Failed to open ${NETNS_DIR}${g.networkNamespace}`);
    env.log(`Unable to set network namespace ${g.networkNamespace} - exiting`);
    return 'stop';
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

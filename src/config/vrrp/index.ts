/**
 * The VRRP process's configuration: the roots keepalived's init_vrrp_keywords
 * registers, and the checks its VRRP process runs once the file is read.
 */
import type { Keyword } from '../engine.js';
import type { GlobalDefs } from '../global/index.js';
import type { PassEnv } from '../subsystem.js';
import { vrrpContext } from './context.js';
import { instanceRoot } from './instance.js';
import type { VrrpDraft } from './model.js';
import { newRulePriorities } from './rule.js';
import { trackProcessRoot, vrrpScriptRoot } from './script.js';
import { garpGroupRoot, linkbeatRoot, staticRoots, trackGroupRoot, upDownDelaysRoot, vrrpBfdRoot } from './static.js';
import { syncGroupRoot } from './sync-group.js';

export { newVrrpDraft } from './model.js';
export type { VrrpConfig, VrrpDraft, VrrpInstance, VrrpSyncGroup, VrrpScript, TrackProcess, IpAddress, IpRoute, IpRule } from './model.js';
export { validateVrrp } from './validate.js';

export function vrrpRootKeywords(d: VrrpDraft, env: PassEnv, g: GlobalDefs): Keyword[] {
  const c = vrrpContext(d, env, g);
  const rulePriorities = newRulePriorities();
  const roots: Keyword[] = [
    trackGroupRoot(c),
    ...staticRoots(c, rulePriorities),
    syncGroupRoot(c),
    garpGroupRoot(c),
    linkbeatRoot(c),
    instanceRoot(c, rulePriorities),
    vrrpScriptRoot(c),
    trackProcessRoot(c),
    upDownDelaysRoot(c),
  ];
  // The VRRP process reads bfd_instance for track_bfd; the other processes read it their own way.
  if (env.pass === 'vrrp') roots.push(vrrpBfdRoot(c));
  return roots;
}

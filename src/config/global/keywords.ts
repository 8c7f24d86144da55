/** The parent's keyword table: the root keywords and the global_defs block. */
import { KeywordTable, type Keyword } from '../engine.js';
import type { PassEnv } from '../subsystem.js';
import type { GlobalDraft } from './model.js';
import { rootKeywords } from './root.js';
import { smtpKeywords } from './smtp.js';
import { scriptKeywords } from './script-keywords.js';
import { processKeywords } from './process-keywords.js';
import { vrrpSettingsKeywords } from './vrrp-settings.js';
import { firewallKeywords } from './firewall.js';
import { lvsKeywords } from './lvs.js';
import { miscKeywords } from './misc.js';

export function globalRootKeywords(g: GlobalDraft, env: PassEnv): Keyword[] {
  const globalDefs = new KeywordTable([
    ...processKeywords(g),
    ...smtpKeywords(g, env),
    ...scriptKeywords(g, env),
    ...vrrpSettingsKeywords(g),
    ...firewallKeywords(g),
    ...lvsKeywords(g),
    ...miscKeywords(g, env),
  ]);
  return [...rootKeywords(g), { name: 'global_defs', sub: globalDefs }];
}

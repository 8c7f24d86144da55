import { describe, expect, it } from 'vitest';
import { parseText } from './parse-text.js';

describe("keywords of a keepalived newer than 2.2.7", () => {
  it('are unknown, as to keepalived 2.2.7, and -t says which release knows them', () => {
    const r = parseText('global_defs {\n  vrrp_owner_ignore_adverts\n  vrrp_delay_after_boot 30\n}\n');
    expect(r.texts).toEqual(["(Line 2) Unknown keyword 'vrrp_owner_ignore_adverts'", "(Line 3) Unknown keyword 'vrrp_delay_after_boot'"]);
    expect(r.diagnostics.map((d) => d.hint)).toEqual([
      "keepalived 2.3.3 and later know 'vrrp_owner_ignore_adverts' (in global_defs); keepalived 2.2.7, which keepalived-ts reads as, does not",
      "keepalived 2.4.0 and later know 'vrrp_delay_after_boot' (in global_defs); keepalived 2.2.7, which keepalived-ts reads as, does not",
    ]);
  });
});

/** DNS_CHECK (check_dns.c): a query of `type` for `name`; retry 3 and delay_before_retry = delay_loop by default. */
import { ConfigErr } from '../../diagnostics.js';
import { KeywordTable, type Keyword } from '../../engine.js';
import type { CheckCtx } from '../context.js';
import type { CheckerDraft } from '../draft.js';
import { commonCheckerKeywords, connectionUsable, queueChecker } from './common.js';

const TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'];

/**
 * A name with an empty label (`a..b`, `.a`) is refused; `.` alone is the root.
 * Quirk kept: keepalived's scan also refuses any name whose second character
 * is a dot (`a.example.com`).
 */
function hasEmptyLabel(name: string): boolean {
  if (name[0] === '.') return name.length > 1;
  return name[1] === '.' || name.includes('..');
}

export function dnsCheckKeyword(c: CheckCtx): Keyword {
  const data = new WeakMap<CheckerDraft, { type: string; name?: string }>();
  const current = (): { type: string; name?: string } | undefined => {
    const k = c.checker();
    return k && data.get(k);
  };
  return {
    name: 'DNS_CHECK',
    handler: (ctx) => {
      const d: { type: string; name?: string } = { type: 'SOA' };
      const checker = queueChecker(c, ctx, {
        type: 'DNS_CHECK',
        defaultRetry: 3,
        defaultDelayBeforeRetryUs: 0,
        build: (timing, connection) => ({ type: 'DNS_CHECK', ...timing, connection: connection!, queryType: d.type, name: d.name ?? '.' }),
      });
      data.set(checker, d);
    },
    sub: new KeywordTable([
      ...commonCheckerKeywords(c, true),
      {
        name: 'type',
        handler: (ctx) => {
          const t = TYPES.find((x) => x.toLowerCase() === ctx.word(1).toLowerCase());
          if (!t) return ctx.report(ConfigErr.GeneralError, `Unknown DNS check type ${ctx.word(1)} - ignoring`);
          const d = current();
          if (d) d.type = t;
        },
      },
      {
        name: 'name',
        handler: (ctx) => {
          const d = current();
          if (d?.name !== undefined) return ctx.report(ConfigErr.GeneralError, 'DNS_CHECK name already specified - ignoring');
          const name = ctx.word(1);
          if (hasEmptyLabel(name)) return ctx.report(ConfigErr.GeneralError, `DNS_CHECK name '${name}' has empty label - ignoring`);
          if (d) d.name = name;
        },
      },
    ]),
    close: () => {
      if (!connectionUsable(c, c.checker()?.connection)) c.dequeue();
    },
  };
}

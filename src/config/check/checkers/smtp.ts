/**
 * SMTP_CHECK (check_smtp.c). The deprecated `host { }` sub-blocks each
 * become a checker of their own, as keepalived expands them.
 */
import { ConfigErr } from '../../diagnostics.js';
import { KeywordTable, type Keyword } from '../../engine.js';
import type { CheckCtx } from '../context.js';
import type { CheckerDraft, ConnectionDraft } from '../draft.js';
import { commonCheckerKeywords, connectionUsable, queueChecker } from './common.js';

const DEFAULT_HELO = 'smtpchecker.keepalived.org';

export function smtpCheckKeyword(c: CheckCtx): Keyword {
  const helo = new WeakMap<CheckerDraft, { name?: string }>();
  let hosts: ConnectionDraft[] = [];
  let savedMain: ConnectionDraft | undefined;

  const hostBlock: Keyword = {
    name: 'host',
    handler: () => {
      const k = c.checker();
      if (!k) return;
      savedMain = k.connection;
      k.connection = { dstAddr: { family: k.rs.addr.family, address: k.rs.addr.address }, dstPort: k.rs.addr.port, bindPort: 0, fwmark: 0 };
    },
    sub: new KeywordTable(commonCheckerKeywords(c, true)),
    close: () => {
      const k = c.checker();
      if (!k) return;
      if (k.connection && connectionUsable(c, k.connection)) hosts.push(k.connection);
      k.connection = savedMain;
    },
  };

  const close = (): void => {
    const k = c.checker();
    const h = k && helo.get(k);
    if (!k || !h || !k.connection) return;
    h.name ??= DEFAULT_HELO;
    if (hosts.length) c.env.log('The SMTP_CHECK host block is deprecated. Please define additional checkers.');
    const co = k.connection;
    const mainSet =
      co.dstAddr !== undefined || co.dstPort !== 0 || co.bindAddr !== undefined || co.bindPort !== 0 || co.bindInterface !== undefined || co.fwmark !== 0 || co.connectTimeoutUs !== undefined;
    if (mainSet || hosts.length === 0) {
      // defaults: the real server's address and port
      co.dstAddr ??= { family: k.rs.addr.family, address: k.rs.addr.address };
      if (co.dstPort === 0) co.dstPort = k.rs.addr.port;
      if (!connectionUsable(c, co)) {
        hosts = [];
        return c.dequeue();
      }
    } else {
      k.connection = hosts.shift();
    }
    // the extra hosts share everything but the connection
    for (const host of hosts) {
      const copy: CheckerDraft = { ...k, connection: host };
      helo.set(copy, h);
      c.queue(copy);
    }
    hosts = [];
  };

  return {
    name: 'SMTP_CHECK',
    handler: (ctx) => {
      const h: { name?: string } = {};
      const checker = queueChecker(c, ctx, {
        type: 'SMTP_CHECK',
        build: (timing, connection) => ({ type: 'SMTP_CHECK', ...timing, connection: connection!, heloName: h.name! }),
      });
      // keepalived marks the destination "not set" so that it can tell whether any was configured
      checker.connection = { dstPort: 0, bindPort: 0, fwmark: 0 };
      helo.set(checker, h);
      hosts = [];
    },
    sub: new KeywordTable([
      {
        name: 'helo_name',
        handler: (ctx) => {
          const k = c.checker();
          const h = k && helo.get(k);
          if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'SMTP_CHECK helo name missing');
          if (h) h.name = ctx.words[1];
        },
      },
      ...commonCheckerKeywords(c, true),
      hostBlock,
    ]),
    close,
  };
}

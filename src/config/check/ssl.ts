/** The `SSL { password; ca; certificate; key }` root: the client context of SSL_GET checkers. */
import { ConfigErr } from '../diagnostics.js';
import { KeywordTable, type Ctx, type Keyword } from '../engine.js';
import type { CheckCtx } from './context.js';

type SslField = 'password' | 'caFile' | 'certFile' | 'keyFile';

export function sslKeyword(c: CheckCtx): Keyword {
  const file = (name: string, field: SslField, what: string): Keyword => ({
    name,
    handler: (ctx: Ctx) => {
      const ssl = c.state.ssl;
      if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `SSL ${what} missing`);
      if (!ssl) return;
      if (ssl[field] !== undefined) ctx.report(ConfigErr.GeneralError, `SSL ${what} already specified - replacing`);
      ssl[field] = ctx.words[1];
    },
  });
  return {
    name: 'SSL',
    handler: (ctx) => {
      if (c.state.ssl) ctx.report(ConfigErr.GeneralError, 'SSL context already specified - replacing');
      c.state.ssl = { loc: ctx.loc };
    },
    sub: new KeywordTable([
      file('password', 'password', 'password'),
      file('ca', 'caFile', 'cafile'),
      file('certificate', 'certFile', 'certfile'),
      file('key', 'keyFile', 'keyfile'),
    ]),
  };
}

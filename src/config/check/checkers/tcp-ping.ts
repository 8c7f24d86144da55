/** TCP_CHECK and PING_CHECK: a connection and nothing else. */
import { KeywordTable, type Keyword } from '../../engine.js';
import type { CheckCtx } from '../context.js';
import { commonCheckerKeywords, dropUnlessConnectionUsable, queueChecker } from './common.js';

function connectionOnlyChecker(c: CheckCtx, type: 'TCP_CHECK' | 'PING_CHECK'): Keyword {
  return {
    name: type,
    handler: (ctx) => {
      queueChecker(c, ctx, { type, build: (timing, connection) => ({ type, ...timing, connection: connection! }) });
    },
    sub: new KeywordTable(commonCheckerKeywords(c, true)),
    close: () => dropUnlessConnectionUsable(c),
  };
}

export function tcpCheckKeyword(c: CheckCtx): Keyword {
  return connectionOnlyChecker(c, 'TCP_CHECK');
}

export function pingCheckKeyword(c: CheckCtx): Keyword {
  return connectionOnlyChecker(c, 'PING_CHECK');
}

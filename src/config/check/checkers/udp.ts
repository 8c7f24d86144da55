/** UDP_CHECK (check_udp.c): send a payload, optionally require a (masked) reply. */
import { ConfigErr } from '../../diagnostics.js';
import { KeywordTable, type Keyword } from '../../engine.js';
import type { CheckCtx } from '../context.js';
import type { CheckerDraft } from '../draft.js';
import { commonCheckerKeywords, connectionUsable, queueChecker } from './common.js';

interface UdpDraft {
  payload?: string;
  requireReply: boolean;
  replyData?: string;
  replyMask?: string;
  minReplyLength: number;
  maxReplyLength: number;
}

const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * keepalived's read_hex_str: pairs of hex digits, spaces between octets
 * allowed, `x` a wildcard nibble when a mask is wanted. Quirk kept: a
 * string whose last octet is 0xff is refused, as keepalived refuses it.
 */
export function readHexString(str: string, wildcards: boolean): { data: string; mask?: string } | undefined {
  const nibble = (ch: string | undefined): number => {
    if (ch === undefined) return 0xff;
    if (/[0-9a-fA-F]/.test(ch)) return parseInt(ch, 16);
    return wildcards && (ch === 'x' || ch === 'X') ? 0xfe : 0xff;
  };
  const data: number[] = [];
  const mask: number[] = [];
  let usingMask = false;
  let val = 0;
  let i = 0;
  while (true) {
    while (str[i] === ' ' || str[i] === '\t') i++;
    if (i >= str.length) break;
    val = nibble(str[i++]);
    if (val === 0xff) break;
    let m = 0;
    if (val === 0xfe) [m, val, usingMask] = [0x0f, 0, true];
    if (i < str.length && str[i] !== ' ') {
      const high = val << 4;
      m <<= 4;
      val = nibble(str[i++]);
      if (val === 0xff) break;
      if (val === 0xfe) [m, val, usingMask] = [m | 0x0f, 0, true];
      val |= high;
    }
    data.push(val);
    mask.push(m);
  }
  if (val === 0xff || data.length === 0) return undefined;
  return { data: hex(data), mask: usingMask ? hex(mask) : undefined };
}

export function udpCheckKeyword(c: CheckCtx): Keyword {
  const data = new WeakMap<CheckerDraft, UdpDraft>();
  const current = (): UdpDraft | undefined => {
    const k = c.checker();
    return k && data.get(k);
  };
  const length = (which: 'min' | 'max') => (ctx: Parameters<NonNullable<Keyword['handler']>>[0]) => {
    const n = ctx.num.unsigned(ctx.word(1), 0, 65535);
    if (n === undefined) return ctx.report(ConfigErr.GeneralError, `UDP_CHECK ${which} length ${ctx.word(1)} not valid - must be between 0 & 65535`);
    const d = current();
    if (d) d[which === 'min' ? 'minReplyLength' : 'maxReplyLength'] = n;
  };
  return {
    name: 'UDP_CHECK',
    handler: (ctx) => {
      const d: UdpDraft = { requireReply: false, minReplyLength: 0, maxReplyLength: 255 };
      const checker = queueChecker(c, ctx, {
        type: 'UDP_CHECK',
        build: (timing, connection) => ({ type: 'UDP_CHECK', ...timing, connection: connection!, ...d }),
      });
      data.set(checker, d);
    },
    sub: new KeywordTable([
      ...commonCheckerKeywords(c, true),
      {
        name: 'payload',
        handler: (ctx) => {
          if (ctx.length === 1) return ctx.report(ConfigErr.GeneralError, 'UDP_CHECK payload requires a payload');
          const r = readHexString(ctx.words.slice(1).join(' '), false);
          if (!r) return ctx.report(ConfigErr.GeneralError, 'Invalid hex string for UDP_CHECK payload');
          const d = current();
          if (d) d.payload = r.data;
        },
      },
      {
        name: 'require_reply',
        handler: (ctx) => {
          const d = current();
          if (d) d.requireReply = true;
          if (ctx.length === 1) return;
          const r = readHexString(ctx.words.slice(1).join(' '), true);
          if (!r) return ctx.report(ConfigErr.GeneralError, 'Invalid hex string for UDP_CHECK reply');
          if (d) [d.replyData, d.replyMask] = [r.data, r.mask];
        },
      },
      { name: 'min_reply_length', handler: length('min') },
      { name: 'max_reply_length', handler: length('max') },
    ]),
    close: () => {
      if (!connectionUsable(c, c.checker()?.connection)) return c.dequeue();
      const d = current();
      if (d && d.minReplyLength > d.maxReplyLength)
        c.env.report(ConfigErr.GeneralError, `UDP_CHECK min_reply length ${d.minReplyLength} > max_reply_length ${d.maxReplyLength} - will always fail`);
    },
  };
}

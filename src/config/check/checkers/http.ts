/** HTTP_GET and SSL_GET (check_http.c): urls with path, digest, status codes and regex. */
import { ConfigErr, type Location } from '../../diagnostics.js';
import { KeywordTable, type Ctx, type Keyword } from '../../engine.js';
import { TIMER_HZ, checkTrueFalse } from '../../numbers.js';
import { splitScriptWords } from '../../words.js';
import type { CheckCtx } from '../context.js';
import type { CheckerDraft } from '../draft.js';
import type { HttpUrl } from '../model.js';
import { regexRemark } from '../http-regex.js';
import { commonCheckerKeywords, connectionUsable, queueChecker, setRetry } from './common.js';

const STATUS_MIN = 100;
const STATUS_MAX = 599;
const MD5_HEX_LENGTH = 32;

/** PCRE2 option names keepalived knows; others are ignored silently. */
const REGEX_OPTIONS = new Set([
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames',
  'extended', 'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture',
  'no_auto_possess', 'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c',
  'alt_circumflex', 'alt_verbnames', 'use_offset_limit',
]);

interface UrlDraft {
  path?: string;
  digest?: string;
  status: Set<number>;
  virtualhost?: string;
  regex?: HttpUrl['regex'];
  regexNoMatch: boolean;
  regexMinOffset: number;
  regexMaxOffset: number;
  regexUseStack: boolean;
  readonly loc: Location;
}

interface HttpDraft {
  httpProtocol: '1.0' | '1.0C' | '1.1';
  virtualhost?: string;
  enableSni: boolean;
  fastRecovery: boolean;
  urls: UrlDraft[];
}

/** One digest pair as strtoul(…, 16) must consume it whole: two hex digits, or a sign/space and one. */
function digestByte(pair: string): number | undefined {
  if (/^[0-9a-fA-F]{2}$/.test(pair)) return parseInt(pair, 16);
  const m = /^([ \t+-])([0-9a-fA-F])$/.exec(pair);
  if (!m) return undefined;
  const v = parseInt(m[2]!, 16);
  return m[1] === '-' ? (256 - v) & 0xff : v;
}

/** Sorted codes → inclusive ranges. */
function toRanges(codes: Set<number>): [number, number][] {
  const out: [number, number][] = [];
  for (const c of [...codes].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else out.push([c, c]);
  }
  return out;
}

export function httpCheckKeyword(c: CheckCtx, type: 'HTTP_GET' | 'SSL_GET'): Keyword {
  const data = new WeakMap<CheckerDraft, HttpDraft>();
  const http = (): HttpDraft | undefined => {
    const k = c.checker();
    return k && data.get(k);
  };
  const url = (): UrlDraft | undefined => {
    const h = http();
    return h?.urls[h.urls.length - 1];
  };
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);
  const flag = (ctx: Ctx, what: string): boolean | undefined => {
    if (!ctx.has(1)) return true;
    const v = checkTrueFalse(ctx.words[1]!);
    if (v === undefined) err(ctx, `Invalid ${what} parameter ${ctx.words[1]}`);
    return v;
  };
  // keepalived keeps the pending regex and its options outside the url (they survive a url dropped for no path).
  let pendingRegex: { pattern: string; loc: Location } | undefined;
  let pendingOptions: string[] = [];

  const urlKeywords: Keyword[] = [
    {
      name: 'path',
      handler: (ctx) => {
        const u = url();
        if (u) u.path = ctx.word(1);
      },
    },
    {
      name: 'digest',
      handler: (ctx) => {
        const u = url();
        const digest = ctx.word(1);
        if (u?.digest !== undefined) return err(ctx, `Digest '${digest}' is a duplicate`);
        if (digest.length !== MD5_HEX_LENGTH)
          return err(ctx, `digest '${digest}' character length should be ${MD5_HEX_LENGTH} rather than ${digest.length}`);
        // keepalived strtoul()s each pair from the end and names the first bad one (with the text cut after it)
        const bytes: number[] = [];
        for (let i = MD5_HEX_LENGTH / 2 - 1; i >= 0; i--) {
          const byte = digestByte(digest.slice(2 * i, 2 * i + 2));
          if (byte === undefined)
            return err(ctx, `Unable to interpret hex digit in '${digest.slice(0, 2 * i + 2)}' at offset ${2 * i}/${2 * i + 1}`);
          bytes.unshift(byte);
        }
        if (u) u.digest = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
      },
    },
    {
      name: 'status_code',
      handler: (ctx) => {
        const u = url();
        for (const str of ctx.words.slice(1)) {
          const m = /^(\d+)(?:-(\d+))?$/.exec(str);
          const min = m ? Number(m[1]) : NaN;
          const max = m?.[2] !== undefined ? Number(m[2]) : min;
          if (!m || min < STATUS_MIN || max > STATUS_MAX || min > max) {
            err(ctx, `Invalid HTTP_GET status code '${str}'`);
            continue;
          }
          for (let code = min; code <= max; code++) u?.status.add(code);
        }
      },
    },
    {
      name: 'virtualhost',
      handler: (ctx) => {
        const u = url();
        if (!ctx.has(1)) return err(ctx, 'Missing HTTP_GET virtualhost name');
        if (u) u.virtualhost = ctx.words[1];
      },
    },
    {
      name: 'regex',
      handler: (ctx) => {
        const split = splitScriptWords(ctx.raw);
        if (!split.ok) return ctx.report(ConfigErr.UnmatchedQuote, split.error);
        if (split.words.length !== 2) return ctx.log('regex missing or too many fields');
        pendingRegex = { pattern: split.words[1]!, loc: ctx.loc };
      },
    },
    {
      name: 'regex_no_match',
      handler: () => {
        const u = url();
        if (u) u.regexNoMatch = true;
      },
    },
    {
      name: 'regex_options',
      handler: (ctx) => {
        for (const o of ctx.words.slice(1)) if (REGEX_OPTIONS.has(o) && !pendingOptions.includes(o)) pendingOptions.push(o);
      },
    },
    { name: 'regex_min_offset', handler: (ctx) => setOffset(ctx, 'min') },
    { name: 'regex_max_offset', handler: (ctx) => setOffset(ctx, 'max') },
    {
      name: 'regex_stack',
      handler: (ctx) => {
        if (ctx.length !== 3) return ctx.log('regex_stack requires start and max values');
        if (!/^\d+$/.test(ctx.words[1]!)) return ctx.log('regex_stack invalid start value');
        if (!/^\d+$/.test(ctx.words[2]!)) return ctx.log('regex_stack invalid max value');
        if (Number(ctx.words[1]) > Number(ctx.words[2])) return ctx.log('regex stack start cannot exceed max value');
        const u = url();
        if (u) u.regexUseStack = true;
      },
    },
  ];

  function setOffset(ctx: Ctx, which: 'min' | 'max'): void {
    const u = url();
    let v = 0;
    if (ctx.length !== 2) ctx.log(`Missing or too may options for regex_${which}_offset`);
    else if (!/^[ \t]*[+-]?\d*$/.test(ctx.words[1]!)) ctx.log(`Invalid regex_${which}_offset ${ctx.words[1]} specified`);
    else v = Number(ctx.words[1]!.trim()) || 0;
    if (!u) return;
    if (which === 'min') u.regexMinOffset = v;
    else u.regexMaxOffset = v + 1;
  }

  /** url_check: a url needs a path; default status codes; regex settings need a regex. */
  const closeUrl = (ctx: Ctx): void => {
    const h = http();
    const u = h?.urls[h.urls.length - 1];
    if (!h || !u) return;
    if (u.path === undefined) {
      c.env.report(ConfigErr.GeneralError, 'HTTP/SSL_GET checker url has no path - ignoring');
      h.urls.pop();
      return;
    }
    if (u.status.size === 0) for (let code = 200; code <= 299; code++) u.status.add(code);
    if (pendingRegex !== undefined) {
      u.regex = {
        pattern: pendingRegex.pattern,
        options: pendingOptions,
        noMatch: u.regexNoMatch,
        minOffset: u.regexMinOffset,
        maxOffset: u.regexMaxOffset,
        useStack: u.regexUseStack,
      };
      const remark = regexRemark(u.regex);
      if (remark) ctx.notice(remark, pendingRegex.loc);
      pendingRegex = undefined;
    } else if (pendingOptions.length || u.regexNoMatch || u.regexMinOffset || u.regexMaxOffset || u.regexUseStack) {
      c.env.log('regex parameters specified without regex');
      pendingOptions = [];
    }
    if (u.regex && u.regex.maxOffset && u.regex.minOffset >= u.regex.maxOffset) {
      c.env.log(`regex min offset ${u.regex.minOffset} > regex_max_offset ${u.regex.maxOffset - 1} - ignoring`);
      u.regex = { ...u.regex, minOffset: 0, maxOffset: 0 };
    }
  };

  const checkerKeywords: Keyword[] = [
    ...commonCheckerKeywords(c, true),
    {
      name: 'nb_get_retry',
      handler: (ctx) => {
        err(ctx, "nb_get_retry is deprecated - please use 'retry'");
        setRetry(c, ctx, `Invalid nb_get_retry value '${ctx.word(1)}'`);
      },
    },
    {
      name: 'virtualhost',
      handler: (ctx) => {
        const h = http();
        if (!ctx.has(1)) return err(ctx, 'HTTP_GET virtualhost name missing');
        if (h) h.virtualhost = ctx.words[1];
      },
    },
    {
      name: 'http_protocol',
      handler: (ctx) => {
        const h = http();
        if (!ctx.has(1)) return err(ctx, 'Missing http_protocol version');
        const v = ctx.words[1]!;
        const p = v === '1.0' ? '1.0' : v === '1.1' ? '1.1' : v === '1.0C' || v === '1.0c' ? '1.0C' : undefined;
        if (!p) return err(ctx, `Invalid http_protocol version ${v}`);
        if (h) h.httpProtocol = p;
      },
    },
    {
      name: 'enable_sni',
      handler: (ctx) => {
        const v = flag(ctx, 'enable_sni');
        const h = http();
        if (v !== undefined && h) h.enableSni = v;
      },
    },
    {
      name: 'fast_recovery',
      handler: (ctx) => {
        const v = flag(ctx, 'fast_recovery');
        const h = http();
        if (v !== undefined && h) h.fastRecovery = v;
      },
    },
    {
      name: 'url',
      handler: (ctx) => {
        http()?.urls.push({ status: new Set(), regexNoMatch: false, regexMinOffset: 0, regexMaxOffset: 0, regexUseStack: false, loc: ctx.loc });
        pendingOptions = [];
      },
      sub: new KeywordTable(urlKeywords),
      close: closeUrl,
    },
  ];

  return {
    name: type,
    handler: (ctx) => {
      const h: HttpDraft = { httpProtocol: '1.0', enableSni: false, fastRecovery: false, urls: [] };
      if (type === 'SSL_GET') c.state.sslRequired = true;
      const checker = queueChecker(c, ctx, {
        type,
        defaultDelayBeforeRetryUs: 3 * TIMER_HZ,
        build: (timing, connection) => ({
          type,
          ...timing,
          connection: connection!,
          httpProtocol: h.httpProtocol,
          virtualhost: h.virtualhost,
          enableSni: h.enableSni,
          fastRecovery: h.fastRecovery,
          urls: h.urls.map((u) => ({
            path: u.path!,
            digest: u.digest,
            statusCodes: toRanges(u.status),
            virtualhost: u.virtualhost,
            regex: u.regex,
            loc: u.loc,
          })),
        }),
      });
      data.set(checker, h);
    },
    sub: new KeywordTable(checkerKeywords),
    close: () => {
      const h = http();
      if (h && h.urls.length === 0) {
        c.env.report(ConfigErr.GeneralError, 'HTTP/SSL_GET checker has no urls specified - ignoring');
        c.dequeue();
      }
      // keepalived checks the connection of whatever checker is now last, even after dropping this one
      if (!connectionUsable(c, c.checker()?.connection)) c.dequeue();
    },
  };
}

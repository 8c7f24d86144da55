/** HTTP_GET / SSL_GET specifics and their `url { }` blocks as text. */
import type { Checker, HttpUrl } from '../model.js';
import { block, quoteWord } from '../../quote.js';
import { bool, escapedWord } from './text.js';

type HttpChecker = Extract<Checker, { type: 'HTTP_GET' | 'SSL_GET' }>;

function statusCodes(ranges: HttpUrl['statusCodes']): string {
  return ranges.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(' ');
}

function regexLines(r: NonNullable<HttpUrl['regex']>): string[] {
  return [
    // read as a script line would be: exactly one word after the keyword
    `regex ${escapedWord(r.pattern)}`,
    ...(r.options.length ? [`regex_options ${r.options.join(' ')}`] : []),
    ...(r.noMatch ? ['regex_no_match'] : []),
    ...(r.minOffset ? [`regex_min_offset ${r.minOffset}`] : []),
    // the model keeps one beyond the last offset, as keepalived does
    ...(r.maxOffset ? [`regex_max_offset ${r.maxOffset - 1}`] : []),
    // the model keeps only "use a stack"; 0 0 says so without raising keepalived's shared JIT stack sizes
    ...(r.useStack ? ['regex_stack 0 0'] : []),
  ];
}

function urlBlock(u: HttpUrl): string[] {
  return block('url', [
    `path ${quoteWord(u.path)}`,
    ...(u.digest ? [`digest ${u.digest}`] : []),
    `status_code ${statusCodes(u.statusCodes)}`,
    ...(u.virtualhost !== undefined ? [`virtualhost ${quoteWord(u.virtualhost)}`] : []),
    ...(u.regex ? regexLines(u.regex) : []),
  ]);
}

export function httpLines(k: HttpChecker): string[] {
  return [
    `http_protocol ${k.httpProtocol}`,
    ...(k.virtualhost !== undefined ? [`virtualhost ${quoteWord(k.virtualhost)}`] : []),
    `enable_sni ${bool(k.enableSni)}`,
    `fast_recovery ${bool(k.fastRecovery)}`,
    ...k.urls.flatMap(urlBlock),
  ];
}

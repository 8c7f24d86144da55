/** `-t` on HTTP_GET regexes the linear-time engine cannot run: keepalived-ts's own remark at the regex's line. */
import { describe, expect, it } from 'vitest';
import { ConfigErr } from '../../../src/config/diagnostics.js';
import { compileHttpRegex } from '../../../src/config/check/http-regex.js';
import { parseText, vs } from './check-helpers.js';

const withRegex = (lines: string): string =>
  vs(`protocol TCP\nlb_algo rr\nlb_kind NAT\nreal_server 10.0.0.2 80 {\nHTTP_GET {\nurl {\npath /\n${lines}\n}\n}\n}`);

describe('HTTP_GET regex at -t', () => {
  it('names the construct, at the regex line, without changing the exit code', () => {
    const r = parseText(withRegex('regex "(ok) \\\\1"'));
    expect(r.exitCode).toBe(0);
    expect(r.messages).toEqual([]);
    expect(r.notices).toEqual([
      expect.objectContaining({
        cls: ConfigErr.Ok,
        message:
          "regex '(ok) \\1' cannot run on keepalived-ts's linear-time (RE2) engine: a backreference is not supported (invalid escape sequence: `\\1`); this url's check always fails",
        loc: expect.objectContaining({ line: 9 }),
      }),
    ]);
  });

  it.each([
    ['regex "(?<=a)b"', 'lookaround is not supported'],
    ['regex "(?!a)b"', 'lookaround is not supported'],
    ['regex "(?>ab)"', 'an atomic group is not supported'],
    ['regex "a++b"', 'a possessive quantifier is not supported'],
    ['regex "a\\\\Kb"', '\\K is not supported'],
    ['regex "o k"\nregex_options caseless extended', 'regex_options extended (whitespace and # comments in the pattern) is not supported'],
    ['regex "\\\\x{41}"\nregex_options alt_bsux', 'regex_options alt_bsux (JavaScript-style \\U, \\u and \\x escapes) is not supported'],
    ['regex "\\\\w+"\nregex_options ucp', 'regex_options ucp (Unicode \\w, \\d, \\s, \\b and POSIX classes) is not supported'],
  ])('%s: %s', (lines, why) => {
    const notices = parseText(withRegex(lines)).notices.map((n) => n.message);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(why);
  });

  it('says nothing about a pattern it runs, options included', () => {
    expect(parseText(withRegex('regex "^HTTP/1\\\\.[01] 200.*healthy"\nregex_options caseless dotall multiline ungreedy utf firstline no_auto_capture')).notices).toEqual([]);
  });

  it('an option RE2 lacks counts only when the pattern uses what it changes', () => {
    expect(parseText(withRegex('regex "IBM.*up"\nregex_options alt_bsux extended ucp allow_empty_class')).notices).toEqual([]);
  });

  it('compiles each url regex once', () => {
    const source = { pattern: 'ok', options: [] };
    expect(compileHttpRegex(source)).toBe(compileHttpRegex(source));
  });
});

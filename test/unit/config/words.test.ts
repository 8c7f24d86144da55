import { describe, expect, it } from 'vitest';
import { splitScriptWords, splitWords } from '../../../src/config/words.js';

describe('normal words', () => {
  it('splits on whitespace and groups double quotes only', () => {
    expect(splitWords(`a "b c" 'd e'`).words).toEqual(['a', 'b c', "'d", "e'"]);
  });
  it('flags an unmatched quote', () => {
    expect(splitWords('a "b').unmatchedQuote).toBe(true);
  });
});

describe('script words', () => {
  it('groups both quote kinds and decodes escapes', () => {
    const r = splitScriptWords(`/bin/echo 'a b' "c\\"d" e\\x41\\101\\tf`);
    expect(r).toEqual({ ok: true, words: ['/bin/echo', 'a b', 'c"d', 'eAA\tf'] });
  });
  it('reports a missing terminating quote', () => {
    expect(splitScriptWords(`x 'abc`)).toEqual({ ok: false, error: "String 'x 'abc': missing terminating '" });
  });
});

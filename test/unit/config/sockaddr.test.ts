import { describe, expect, it } from 'vitest';
import { formatInet, parseGuessed, parseSockAddress } from '../../../src/config/sockaddr.js';

const read = (word: string): string | undefined => {
  const a = parseSockAddress(word);
  return a && `${a.family} ${formatInet(a)}`;
};

describe("keepalived's address words", () => {
  it('guesses the family from a colon anywhere in the word', () => {
    expect(parseGuessed('10.0.0.1')?.family).toBe('inet');
    expect(parseGuessed('fd00::1')?.family).toBe('inet6');
    expect(parseGuessed('10.0.0.1:')).toBeUndefined();
  });

  it('cuts a range or mask suffix before reading the address (inet_stosockaddr)', () => {
    expect(read('10.0.0.1-20')).toBe('inet 10.0.0.1');
    expect(read('fd00::/64')).toBe('inet6 fd00::');
    expect(read('fd00::1-ff')).toBe('inet6 fd00::1');
    // the '-' is looked for first, so a mask before it stays and spoils the address
    expect(read('10.0.0.1/24-30')).toBeUndefined();
    // the family comes from the whole word
    expect(read('10.0.0.1-fd::1')).toBeUndefined();
  });
});

/**
 * keepalived's own layer over inet_pton when it reads an address word: it
 * guesses the family from the whole word instead of trying both, and
 * inet_stosockaddr cuts a range or mask suffix off first.
 */
import { formatAddress, parseAddress, type Family } from '../base/inet.js';

export interface InetAddress {
  readonly family: Family;
  readonly bytes: Uint8Array;
}

/** A ':' anywhere in the word means IPv6. */
export function guessFamily(word: string): Family {
  return word.includes(':') ? 'inet6' : 'inet';
}

/** inet_pton of `text` (the address part of `word`) for the family guessed from the whole word. */
export function parseAs(word: string, text: string): InetAddress | undefined {
  const family = guessFamily(word);
  const bytes = parseAddress(family, text);
  return bytes && { family, bytes };
}

export function parseGuessed(word: string): InetAddress | undefined {
  return parseAs(word, word);
}

/** inet_stosockaddr's address: from the first '-' (else the first '/') on is cut off. */
export function parseSockAddress(word: string): InetAddress | undefined {
  const dash = word.indexOf('-');
  const cut = dash >= 0 ? dash : word.indexOf('/');
  return parseAs(word, cut >= 0 ? word.slice(0, cut) : word);
}

export function formatInet(a: InetAddress): string {
  return formatAddress(a.family, a.bytes);
}

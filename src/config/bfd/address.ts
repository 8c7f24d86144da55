/** Address literals as keepalived's inet_stosockaddr reads them and inet_ntop prints them. */
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export function addressFamily(word: string): Family | undefined {
  return isIPv4(word) ? 4 : isIPv6(word) ? 6 : undefined;
}

/** The canonical text of an address (IPv6 compressed as inet_ntop does), for comparing and printing. */
export function canonicalAddress(word: string): string {
  return isIPv6(word) ? new URL(`http://[${word}]/`).hostname.slice(1, -1) : word;
}

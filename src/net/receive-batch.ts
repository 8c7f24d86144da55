/**
 * Datagrams a VRRP socket reads per readable wake-up. keepalived reads until
 * the socket is empty (or a VRID's second advert), which a flood never lets
 * happen, and its own adverts stop. Both sockets' polls are level-triggered:
 * what is left is read on the event loop's next turn, after the timers (the
 * adverts) have run. 32 keeps a turn well under a millisecond and the reads
 * cheap, where one per turn (raw-socket's own way) pays a whole turn for each.
 */
export const MAX_MESSAGES_PER_WAKE = 32;

/**
 * Datagrams read at most when draining a socket before a BACKUP's master-down wait ends (AdvertSocket.drain): more
 * than a default receive buffer holds (about 200 adverts in 212 KiB), so that all that came before the wait ended is
 * read, and bounded, so that a flood arriving meanwhile does not keep it reading.
 */
export const MAX_MESSAGES_PER_DRAIN = 1024;

/**
 * Datagrams a VRRP socket reads per readable wake-up. keepalived reads until
 * the socket is empty (or a VRID's second advert), which a flood never lets
 * happen, and its own adverts stop. Both sockets' polls are level-triggered:
 * what is left is read on the event loop's next turn, after the timers (the
 * adverts) have run. 32 keeps a turn well under a millisecond and the reads
 * cheap, where one per turn (raw-socket's own way) pays a whole turn for each.
 */
export const MAX_MESSAGES_PER_WAKE = 32;

/**
 * What the IPVS port needs from a generic-netlink socket: a request answered
 * by an ack, or a dump answered by messages. Payloads are genl payloads
 * (genlmsghdr + attributes) as genl.ts encodes and decodes them; the family id
 * and netlink header are the transport's business.
 */
export type GenlAnswer<T> =
  | { readonly kind: 'ok'; readonly value: T }
  /** The kernel's NLMSG_ERROR: a positive errno. */
  | { readonly kind: 'refused'; readonly errno: number }
  /** No usable answer: send failure, timeout, a message of the wrong type. */
  | { readonly kind: 'fault'; readonly message: string };

export interface GenlTransport {
  /** Sent with NLM_F_REQUEST|NLM_F_ACK; ok means acknowledged. */
  request(payload: Buffer): Promise<GenlAnswer<void>>;
  /** Sent with NLM_F_DUMP; the payloads of every message up to NLMSG_DONE. */
  dump(payload: Buffer): Promise<GenlAnswer<readonly Buffer[]>>;
  close(): void;
}

/**
 * The receive buffer of a socket that listens to rtnetlink notifications. A thousand instances adding their VIPs
 * send a thousand notifications at once; at the default 208 KiB the socket overruns, and the netlink package
 * aborts the process on the socket error that follows (its poll handler throws a C++ exception nothing catches):
 * the VRRP child restarted every few seconds with 1,000 instances. The kernel caps the size at net.core.rmem_max.
 */
import type { RtNetlinkSocket } from 'netlink';

export const LISTEN_RCVBUF_BYTES = 4 * 1024 * 1024;

/** Asks for LISTEN_RCVBUF_BYTES; a refusal leaves the default, as keepalived's netlink_set_rx_buf_size only logs. */
export function sizeForListening(sock: RtNetlinkSocket, onError?: (error: Error) => void): void {
  try {
    sock.socket.setRecvBufferSize(LISTEN_RCVBUF_BYTES);
  } catch (e) {
    onError?.(new Error(`rtnetlink notifications: cannot set the receive buffer: ${e instanceof Error ? e.message : String(e)}`));
  }
}

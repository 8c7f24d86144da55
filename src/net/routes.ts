/**
 * The real RoutePort: routes and rules added and removed over rtnetlink,
 * the requests built by route-requests.ts and sent by rtnl-ack.ts, read as
 * keepalived's netlink_talk reads the answers (EEXIST on a new route is
 * success).
 */
import { createRtNetlink, rt, type RtNetlinkSocket } from 'netlink';
import type { RoutePort } from '../vrrp/ports.js';
import { routeRequest, ruleRequest, type IfindexOf } from './route-requests.js';
import { requestAck } from './rtnl-ack.js';

/** `ifindexOf` resolves the interfaces the entries name, at the time of each request. */
export function rtnetlinkRoutePort(ifindexOf: IfindexOf, socket: RtNetlinkSocket = createRtNetlink()): RoutePort {
  // Without a listener a socket error would throw from the emitter; the pending request times out instead.
  socket.socket.on('error', () => undefined);
  return {
    async route(op, route) {
      let request;
      try {
        request = routeRequest(op, route, ifindexOf);
      } catch (e) {
        return (e as Error).message;
      }
      const failure = await requestAck(socket, op === 'delete' ? rt.MessageType.DELROUTE : rt.MessageType.NEWROUTE, [request.body], request.flags);
      return failure === 'EEXIST' && op !== 'delete' ? undefined : failure;
    },
    async rule(op, rule) {
      const request = ruleRequest(op, rule);
      return requestAck(socket, op === 'delete' ? rt.MessageType.DELRULE : rt.MessageType.NEWRULE, [request.body], request.flags);
    },
  };
}

/** The AdvertSocketFactory on a live system: raw-socket for IPv4, the addon for IPv6. */
import type { AdvertSocketFactory, AdvertSocketOptions } from '../vrrp/ports.js';
import { openVrrpSocket4 } from './vrrp-socket4.js';
import { openVrrpSocket6 } from './vrrp-socket6.js';

/** A receive error on an open socket: the socket stays open (keepalived logs it and reads on). */
export type AdvertSocketErrorHandler = (error: Error, options: AdvertSocketOptions) => void;

export function createAdvertSocketFactory(onError: AdvertSocketErrorHandler): AdvertSocketFactory {
  return {
    open(options, onPacket) {
      const report = (error: Error): void => onError(error, options);
      return options.family === 'inet' ? openVrrpSocket4(options, onPacket, report) : openVrrpSocket6(options, onPacket, report);
    },
  };
}

/**
 * This host's addresses as the checker child sees them for ha_suspend (check_api.c update_checker_activity):
 * keepalived's checker opens its netlink reflector only when a virtual server uses ha_suspend, so the table is opened
 * when a configuration first needs it, and followed until the child stops.
 */
import type { Logger } from '../base/logger.js';
import type { SockAddr } from '../config/check/address.js';
import type { CheckConfig } from '../config/check/model.js';
import { openInterfaceTable } from '../net/interfaces.js';
import type { InterfacePort } from '../vrrp/ports.js';

export class LocalAddresses {
  private table: InterfacePort | undefined;

  constructor(
    private readonly log: Logger,
    /** An address came or went on some interface. */
    private readonly onChange: () => void,
  ) {}

  /** Opens the table if `check` has a virtual server with ha_suspend and it is not open yet. */
  async need(check: CheckConfig): Promise<void> {
    if (this.table || !check.virtualServers.some((vs) => vs.haSuspend)) return;
    this.table = await openInterfaceTable((error) => this.log.error(`Netlink: ${error.message}`));
    this.table.onChange(() => this.onChange());
  }

  /** Whether an interface holds `addr` now; false while nothing needed the table. */
  holds(addr: SockAddr): boolean {
    return this.table?.all().some((i) => i.addresses.some((a) => a.family === addr.family && a.address === addr.address)) ?? false;
  }

  close(): void {
    this.table?.close();
  }
}

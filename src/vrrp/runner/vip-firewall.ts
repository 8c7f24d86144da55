/**
 * The nftables drop rules of the instances that do not accept traffic to their VIPs, kept in the kernel as
 * keepalived's vrrp_firewall.c (firewall_handle_accept_mode, firewall_fini) and vrrp_nftables.c
 * (nft_add_addresses, nft_remove_addresses, nft_cleanup) keep them: the tables, chains and sets are built with
 * the first address of their family, after a table of the same name left behind (a crash, keepalived's or
 * ours) is deleted (check_and_delete_tables, which logs it); they stay, emptied, until stop. A VMAC goes in its
 * family's vmac_map once created (firewall_add_vmac), its part built then. The runner decides when (the
 * addresses go in before the VIPs, out after them); this keeps what is in and sends the batches.
 */
import type { Logger } from '../../base/logger.js';
import { firewallAddresses, type FirewallAddress, type NftOptions, type VmacElement } from '../firewall/options.js';
import { goneVmacCommands, nftCommands, type NftCommand } from '../firewall/commands.js';
import { NFT_NOTHING, nftAdd, nftAddVmacs, nftRemove, nftRemoveVmac, tableBuilt, type NftState } from '../firewall/state.js';
import type { FirewallPort } from '../ports.js';
import type { InstanceRunSettings } from '../settings/from-config.js';

export class VipFirewall {
  private state: NftState = NFT_NOTHING;
  /** Instance → VIP key → the element it put in (keepalived's per-address nftable_rule_set). */
  private readonly elements = new Map<string, Map<string, FirewallAddress>>();

  constructor(
    readonly options: NftOptions,
    private readonly port: FirewallPort,
    private readonly log: Logger,
  ) {}

  /** Whether the instance has elements in the sets. */
  holds(instance: string): boolean {
    return (this.elements.get(instance)?.size ?? 0) > 0;
  }

  /** nft_add_addresses for these VIP keys of the instance (those already in are left alone). */
  async add(inst: InstanceRunSettings, keys: readonly string[]): Promise<void> {
    const name = inst.fsm.name;
    const mine = this.elements.get(name) ?? new Map<string, FirewallAddress>();
    const fresh = keys.flatMap((key) => (mine.has(key) ? [] : firewallAddresses(inst, this.options, [key]).map((a) => [key, a] as const)));
    if (!fresh.length) return;
    if (!(await this.applyFirst(nftAdd(this.state, fresh.map(([, a]) => a))))) return;
    for (const [key, a] of fresh) mine.set(key, a);
    this.elements.set(name, mine);
  }

  /** nft_add_vmac: VMACs not in their maps yet go in. */
  async addVmacs(vmacs: readonly VmacElement[]): Promise<void> {
    await this.applyFirst(nftAddVmacs(this.state, vmacs));
  }

  /**
   * firewall_remove_vmac for a VMAC of ours that is gone (deleted, or taken with its parent): its elements,
   * keyed by the interface index it had, go; made again, it goes in by its new index (addVmacs).
   */
  async vmacGone(ifname: string, index: number): Promise<void> {
    const gone = this.state.vmacs.filter((v) => v.vmac === ifname);
    if (gone.length) await this.send(goneVmacCommands(this.options.table, gone, index), nftRemoveVmac(this.state, ifname));
  }

  /** nft_remove_addresses for these VIP keys of the instance, or all it put in. */
  async remove(instance: string, keys?: readonly string[]): Promise<void> {
    const mine = this.elements.get(instance);
    if (!mine) return;
    const going = [...mine].filter(([key]) => keys === undefined || keys.includes(key));
    if (!going.length) return;
    if (!(await this.apply(nftRemove(this.state, going.map(([, a]) => a))))) return;
    for (const [key] of going) mine.delete(key);
    if (!mine.size) this.elements.delete(instance);
  }

  /** nft_cleanup at stop: the tables go. */
  async close(): Promise<void> {
    await this.apply(NFT_NOTHING);
    this.elements.clear();
  }

  /** apply(), after check_and_delete_tables' lines when this builds the first table. */
  private async applyFirst(next: NftState): Promise<boolean> {
    const anyTable = (state: NftState): boolean => tableBuilt(state, 'ip') || tableBuilt(state, 'ip6');
    if (!anyTable(this.state) && anyTable(next)) await this.logLeftBehind();
    return this.apply(next);
  }

  /** One batch from the state now to `next`; a batch nft refuses changes nothing, so the state stays. */
  private apply(next: NftState): Promise<boolean> {
    return this.send(nftCommands(this.options, this.state, next), next);
  }

  private async send(commands: readonly NftCommand[], next: NftState): Promise<boolean> {
    if (!commands.length) return true;
    try {
      await this.port.apply(commands);
      this.state = next;
      return true;
    } catch (error) {
      this.log.error((error as Error).message);
      return false;
    }
  }

  /** check_and_delete_tables' line for each table of our name found (the batch deletes it either way). */
  private async logLeftBehind(): Promise<void> {
    try {
      const tables = await this.port.tables();
      for (const family of ['ip', 'ip6']) {
        if (tables.some((t) => t.family === family && t.name === this.options.table)) this.log.info(`Deleting old ${family} ${this.options.table} table`);
      }
    } catch (error) {
      this.log.error((error as Error).message);
    }
  }
}

/**
 * A fake rtnetlink behind the RtnlFeed of src/net/interfaces.ts: a kernel of links and addresses that the
 * test changes (`setLink`, `removeLink`, `addAddress`, `removeAddress`), each change sent as the kernel's
 * notification unless `lose` is on (a full receive buffer drops it); `overrun()` raises ENOBUFS on the
 * listening socket as the kernel does after dropping. `dump()` answers with the kernel as it is now;
 * `failDumps` makes that many dumps reject first.
 */
import { AttrStream, rt, type NetlinkMessage } from 'netlink';
import { parseAddress, type Family } from '../../src/base/inet.js';
import type { RtnlFeed } from '../../src/net/interfaces.js';

export interface FakeLink {
  readonly index: number;
  readonly name: string;
  readonly up: boolean;
  readonly mac?: readonly number[];
}

export interface FakeAddress {
  readonly index: number;
  readonly family: Family;
  readonly address: string;
  readonly prefixLen: number;
}

const AF: Record<Family, number> = { inet: 2, inet6: 10 };

function message(type: number, format: (out: AttrStream) => void): NetlinkMessage {
  const out = new AttrStream();
  format(out);
  return { type, flags: 0, seq: 0, port: 0, data: Buffer.concat(out.bufs) };
}

export function linkMessage(link: FakeLink, removed = false): NetlinkMessage {
  return message(removed ? rt.MessageType.DELLINK : rt.MessageType.NEWLINK, (out) =>
    rt.formatLinkMessage(
      {
        kind: 'link',
        data: { family: 0, index: link.index, flags: link.up ? { up: true, running: true } : {} },
        attrs: { ifname: link.name, address: Buffer.from(link.mac ?? [2, 0, 0, 0, 0, link.index & 0xff]) },
      },
      out,
    ),
  );
}

export function addressMessage(a: FakeAddress, removed = false): NetlinkMessage {
  const bytes = Buffer.from(parseAddress(a.family, a.address) ?? []);
  return message(removed ? rt.MessageType.DELADDR : rt.MessageType.NEWADDR, (out) =>
    rt.formatAddressMessage(
      { kind: 'address', data: { family: AF[a.family], prefixlen: a.prefixLen, index: a.index, scope: 0, flags: {} }, attrs: { local: bytes, address: bytes } },
      out,
    ),
  );
}

export class FakeRtnetlink implements RtnlFeed {
  private readonly links = new Map<number, FakeLink>();
  private addresses: FakeAddress[] = [];
  private onMessages: ((msgs: readonly NetlinkMessage[]) => void) | undefined;
  private onError: ((error: NodeJS.ErrnoException) => void) | undefined;
  /** Notifications the kernel drops (a full receive buffer) while true. */
  lose = false;
  /** Dumps still to reject, as a kernel that refuses or never answers. */
  failDumps = 0;
  dumps = 0;
  closed = false;

  listen(onMessages: (msgs: readonly NetlinkMessage[]) => void, onError: (error: NodeJS.ErrnoException) => void): void {
    this.onMessages = onMessages;
    this.onError = onError;
  }

  async dump(): Promise<readonly NetlinkMessage[]> {
    this.dumps++;
    if (this.failDumps > 0) {
      this.failDumps--;
      throw new Error('Timeout has been reached');
    }
    return [...[...this.links.values()].map((l) => linkMessage(l)), ...this.addresses.map((a) => addressMessage(a))];
  }

  close(): void {
    this.closed = true;
  }

  setLink(link: FakeLink): void {
    this.links.set(link.index, link);
    this.notify(linkMessage(link));
  }

  removeLink(index: number): void {
    const link = this.links.get(index);
    if (!link) return;
    this.links.delete(index);
    this.addresses = this.addresses.filter((a) => a.index !== index);
    this.notify(linkMessage(link, true));
  }

  addAddress(a: FakeAddress): void {
    this.addresses.push(a);
    this.notify(addressMessage(a));
  }

  removeAddress(a: FakeAddress): void {
    this.addresses = this.addresses.filter((b) => !(b.index === a.index && b.family === a.family && b.address === a.address));
    this.notify(addressMessage(a, true));
  }

  /** Raw messages on the listening socket, as the kernel (or something hostile) sent them. */
  send(msgs: readonly NetlinkMessage[]): void {
    this.onMessages?.(msgs);
  }

  /** The kernel's ENOBUFS on the listening socket: notifications were dropped. */
  overrun(): void {
    const error: NodeJS.ErrnoException = new Error('Error when receiving Netlink message: No buffer space available');
    error.code = 'ENOBUFS';
    this.onError?.(error);
  }

  private notify(msg: NetlinkMessage): void {
    if (!this.lose) this.send([msg]);
  }
}

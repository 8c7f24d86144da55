/**
 * rtnetlink attributes as bytes (struct rtattr: length, type, payload padded
 * to 4), as iproute2's and keepalived's addattr_l/rta_addattr_l write them.
 * Host byte order is little-endian on the machines keepalived-ts runs on.
 */

export function attr(type: number, payload: Uint8Array): Buffer {
  const len = 4 + payload.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  out.set(payload, 4);
  return out;
}

export const nest = (type: number, children: readonly Uint8Array[]): Buffer => attr(type, Buffer.concat(children));

export function u8(value: number): Buffer {
  return Buffer.of(value & 0xff);
}

export function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value & 0xffff);
  return b;
}

export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}

export function u64be(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, value));
  return b;
}

import { describe, expect, it } from 'vitest';
import { addrGenModeNone, createIpvlan, createMacvlan, deleteLink, linkUp, setDevconf, updateMacvlan } from '../../../src/net/link-requests.js';
import { VMAC_DEVCONF } from '../../../src/vrrp/settings/vmac.js';

/** The attributes of a request after its 16-byte ifinfomsg, nested ones opened. */
type Attr = { type: number; value: string | Attr[] };
function attrs(b: Buffer, nested: ReadonlySet<string>, at = ''): Attr[] {
  const out: Attr[] = [];
  for (let o = 0; o + 4 <= b.length; ) {
    const len = b.readUInt16LE(o);
    const type = b.readUInt16LE(o + 2);
    const payload = b.subarray(o + 4, o + len);
    const path = `${at}/${type}`;
    out.push({ type, value: nested.has(path) ? attrs(payload, nested, path) : payload.toString('hex') });
    o += (len + 3) & ~3;
  }
  return out;
}
const header = (b: Buffer) => ({ family: b[0], index: b.readInt32LE(4), flags: b.readUInt32LE(8), change: b.readUInt32LE(12) });
const MAC = Uint8Array.from([0, 0, 0x5e, 0, 1, 5]);

describe('VMAC link requests (vrrp_vmac.c, vrrp_if_config.c)', () => {
  it('creates a private-mode macvlan on the parent with the VRRP MAC', () => {
    const b = createMacvlan('vrrp.5', 7, MAC);
    expect(header(b)).toEqual({ family: 0, index: 0, flags: 0, change: 0 });
    expect(attrs(b.subarray(16), new Set(['/18', '/18/2']))).toEqual([
      { type: 18, value: [{ type: 1, value: Buffer.from('macvlan').toString('hex') }, { type: 2, value: [{ type: 1, value: '01000000' }] }] },
      { type: 5, value: '07000000' },
      { type: 3, value: Buffer.from('vrrp.5').toString('hex') },
      { type: 1, value: '00005e000105' },
    ]);
  });

  it('creates an L2 ipvlan on the parent, up at once, with the type flags and no MAC', () => {
    const b = createIpvlan('vrrp.5', 7, 1);
    expect(header(b)).toEqual({ family: 0, index: 0, flags: 1, change: 1 });
    expect(attrs(b.subarray(16), new Set(['/18', '/18/2']))).toEqual([
      { type: 5, value: '07000000' },
      { type: 3, value: Buffer.from('vrrp.5').toString('hex') },
      { type: 18, value: [{ type: 1, value: Buffer.from('ipvlan').toString('hex') }, { type: 2, value: [{ type: 1, value: '0000' }, { type: 2, value: '0100' }] }] },
    ]);
  });

  it('updates an existing link by index: mode and MAC only', () => {
    const b = updateMacvlan(9, MAC);
    expect(header(b).index).toBe(9);
    expect(attrs(b.subarray(16), new Set(['/18', '/18/2'])).map((a) => a.type)).toEqual([18, 1]);
  });

  it('sets IPv6 address generation to none, devconf values, up, and deletes', () => {
    expect(attrs(addrGenModeNone(4).subarray(16), new Set(['/26', '/26/10']))).toEqual([{ type: 26, value: [{ type: 10, value: [{ type: 8, value: '01' }] }] }]);
    expect(attrs(setDevconf(4, VMAC_DEVCONF).subarray(16), new Set(['/26', '/26/2', '/26/2/1']))).toEqual([
      {
        type: 26,
        value: [
          {
            type: 2,
            value: [{ type: 1, value: [19, 23, 8, 20].map((param, i) => ({ type: param, value: i === 2 ? '00000000' : '01000000' })) }],
          },
        ],
      },
    ]);
    expect(header(linkUp(4))).toEqual({ family: 0, index: 4, flags: 1, change: 1 });
    expect(header(deleteLink(4))).toEqual({ family: 2, index: 4, flags: 0, change: 0 });
  });
});

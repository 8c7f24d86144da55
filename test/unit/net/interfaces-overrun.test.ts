/**
 * The interface table over a fake rtnetlink: followed from notifications, and when the listening socket
 * overruns (ENOBUFS, notifications lost) read again from a dump and replaced, each interface that changed
 * reported once; notifications heard during that dump wait for it; a failing re-dump is tried again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { followInterfaces } from '../../../src/net/interfaces.js';
import type { InterfaceInfo } from '../../../src/vrrp/ports.js';
import { FakeRtnetlink } from '../../../lab/fakes/rtnetlink.js';
import { playOverruns, rtnlStepsArb } from '../../../lab/rtnl-overrun.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function opened(setup: (k: FakeRtnetlink) => void = () => undefined) {
  const kernel = new FakeRtnetlink();
  kernel.setLink({ index: 1, name: 'lo', up: true });
  kernel.setLink({ index: 2, name: 'eth0', up: true });
  kernel.addAddress({ index: 2, family: 'inet', address: '10.99.3.1', prefixLen: 24 });
  setup(kernel);
  const errors: string[] = [];
  const table = await followInterfaces(kernel, (e) => errors.push(e.message));
  const heard: string[] = [];
  table.onChange((info: InterfaceInfo, removed) => heard.push(`${info.name}${removed ? ' removed' : ` ${info.up ? 'up' : 'down'} ${info.addresses.map((a) => a.address).join(',')}`}`));
  return { kernel, table, errors, heard };
}

describe('interface table after an overrun', () => {
  it('follows notifications', async () => {
    const { kernel, table, heard } = await opened();
    kernel.setLink({ index: 2, name: 'eth0', up: false });
    expect(table.byName('eth0')?.up).toBe(false);
    expect(heard).toEqual(['eth0 down 10.99.3.1']);
  });

  it('recovers changes whose notifications were lost: a link down, an address gone, a link new, a link removed', async () => {
    const { kernel, table, errors, heard } = await opened((k) => k.setLink({ index: 3, name: 'eth1', up: true }));
    kernel.lose = true;
    kernel.setLink({ index: 2, name: 'eth0', up: false });
    kernel.removeAddress({ index: 2, family: 'inet', address: '10.99.3.1', prefixLen: 24 });
    kernel.setLink({ index: 4, name: 'eth2', up: true });
    kernel.removeLink(3);
    kernel.lose = false;
    expect(table.byName('eth0')?.up).toBe(true);
    kernel.overrun();
    await settle();
    expect(table.byName('eth0')).toMatchObject({ up: false, addresses: [] });
    expect(table.byName('eth2')?.index).toBe(4);
    expect(table.byName('eth1')).toBeUndefined();
    expect(heard.sort()).toEqual(['eth0 down ', 'eth1 removed', 'eth2 up ']);
    expect(errors).toEqual(['Receive buffer overrun on monitor socket - (No buffer space available): interfaces read again']);
  });

  it('says nothing for interfaces the dump shows unchanged', async () => {
    const { kernel, heard } = await opened();
    kernel.overrun();
    await settle();
    expect(heard).toEqual([]);
    expect(kernel.dumps).toBe(2);
  });

  it('applies what it hears during the re-dump after it, and dumps again for an overrun meanwhile', async () => {
    const { kernel, table } = await opened();
    kernel.overrun();
    // heard while the dump is under way (the dump answered with the kernel before this change)
    kernel.setLink({ index: 2, name: 'eth0', up: false });
    kernel.overrun();
    await settle();
    expect(table.byName('eth0')?.up).toBe(false);
    expect(kernel.dumps).toBe(3);
  });

  it('tries a failing re-dump again, and gives up after three failures until the next overrun', async () => {
    const { kernel, table, errors } = await opened();
    kernel.lose = true;
    kernel.setLink({ index: 2, name: 'eth0', up: false });
    kernel.lose = false;
    kernel.failDumps = 3;
    kernel.overrun();
    await settle();
    expect(table.byName('eth0')?.up).toBe(true);
    expect(errors.filter((e) => e.includes('failed'))).toHaveLength(3);
    kernel.overrun();
    await settle();
    expect(table.byName('eth0')?.up).toBe(false);
  });

  it('skips a notification that does not decode and carries on', async () => {
    const { kernel, table } = await opened();
    kernel.send([{ type: 16, flags: 0, seq: 0, port: 0, data: Buffer.from([0, 0, 1]) }]);
    kernel.setLink({ index: 2, name: 'eth0', up: false });
    expect(table.byName('eth0')?.up).toBe(false);
  });
});

describe('property: lost notifications are recovered at the next overrun', () => {
  it('whatever was lost, and whatever is heard during the re-dump, the table then says what the kernel holds', async () => {
    await fc.assert(
      fc.asyncProperty(rtnlStepsArb, async (steps) => {
        const result = await playOverruns(steps);
        expect(result.mismatch).toBeUndefined();
        expect(result.recovered).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

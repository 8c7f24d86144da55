/** The IPVS port logic (genl-port) over the fake kernel: acks, keepalived's errno tolerances, failures with context, dumps. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SVC_FLAG } from '../../../src/ipvs/constants.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { encodeReply } from '../../../src/ipvs/genl.js';
import { errnoName, ipvsPortOver } from '../../../src/ipvs/genl-port.js';
import type { GenlAnswer, GenlTransport } from '../../../src/ipvs/genl-transport.js';
import type { IpvsOp } from '../../../src/ipvs/ops.js';
import { deleteServices } from '../../../src/ipvs/port.js';
import { reconcile } from '../../../src/ipvs/reconcile.js';
import { sameTable, type Destination, type Table } from '../../../src/ipvs/table.js';
import { overlappingTablesArb, tableArb } from './arbitraries.js';
import { tableOf } from './vectors.js';

const TABLE = tableOf(`-A -t 10.99.1.100:80 -s wrr -p 50
-a -t 10.99.1.100:80 -r 10.99.1.11:80 -m -w 1
-a -t 10.99.1.100:80 -r 10.99.1.12:80 -m -w 2
-A -f 1 -s wlc
`);
const [web, fwm] = TABLE as [Table[number], Table[number]];
const service = web.service;
const [rs11, rs12] = web.destinations as [Destination, Destination];
const rs13: Destination = { ...rs11, address: '10.99.1.13' };

/** A transport answering every request and dump with the same thing. */
function answering(request: GenlAnswer<void>, dump: GenlAnswer<readonly Buffer[]> = { kind: 'ok', value: [] }): GenlTransport {
  return { request: async () => request, dump: async () => dump, close: () => undefined };
}

describe('apply', () => {
  it('converges any table into any other in one pass and reads it back with nothing left to do', async () => {
    const pair = fc.oneof(fc.tuple(tableArb(false), tableArb(false)), overlappingTablesArb);
    await fc.assert(
      fc.asyncProperty(pair, async ([desired, initial]) => {
        const { port, kernel } = fakeIpvsPort({ table: initial });
        const ops = reconcile(desired, initial);
        const report = await port.apply(ops);
        expect(report).toEqual({ done: ops, tolerated: [], failures: [] });
        expect(sameTable(kernel.table(), desired)).toBe(true);
        const dumped = await port.dump();
        expect(dumped.ok && dumped.malformed).toEqual([]);
        expect(dumped.ok && reconcile(desired, dumped.table)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('counts EEXIST on add as success, as keepalived does', async () => {
    const { port } = fakeIpvsPort({ table: [web] });
    const ops: IpvsOp[] = [
      { op: 'add-service', service },
      { op: 'add-dest', service, dest: rs11 },
    ];
    expect(await port.apply(ops)).toEqual({
      done: [],
      tolerated: [
        { op: ops[0], errno: 'EEXIST' },
        { op: ops[1], errno: 'EEXIST' },
      ],
      failures: [],
    });
  });

  it('counts ENOENT and ESRCH on delete as success', async () => {
    const { port } = fakeIpvsPort({ table: [web] });
    const ops: IpvsOp[] = [
      { op: 'delete-dest', service, dest: rs13 },
      { op: 'delete-service', service: fwm.service },
      { op: 'delete-dest', service: fwm.service, dest: rs11 },
    ];
    const report = await port.apply(ops);
    expect(report.tolerated.map((t) => t.errno)).toEqual(['ENOENT', 'ESRCH', 'ESRCH']);
    expect(report.failures).toEqual([]);
  });

  it('adds back a destination that has gone when editing it', async () => {
    const { port, kernel } = fakeIpvsPort({ table: [{ service, destinations: [rs11] }] });
    const edit: IpvsOp = { op: 'edit-dest', service, dest: { ...rs12, weight: 5 } };
    expect(await port.apply([edit])).toEqual({ done: [edit], tolerated: [], failures: [] });
    expect(kernel.requests.map((r) => r.cmd)).toEqual(['SET_DEST', 'NEW_DEST']);
    expect(kernel.table()[0]?.destinations).toEqual([rs11, { ...rs12, weight: 5 }]);
  });

  it('the fake kernel of a long run keeps no record of requests, and still applies them', async () => {
    const { port, kernel } = fakeIpvsPort({ table: [{ service, destinations: [rs11] }], record: false });
    const edit: IpvsOp = { op: 'edit-dest', service, dest: { ...rs12, weight: 5 } };
    expect(await port.apply([edit])).toEqual({ done: [edit], tolerated: [], failures: [] });
    expect(kernel.requests).toEqual([]);
    expect(kernel.table()[0]?.destinations).toEqual([rs11, { ...rs12, weight: 5 }]);
  });

  it('reports other refusals with the op, the errno name and a readable context, and goes on with the rest', async () => {
    const { port, kernel } = fakeIpvsPort({ refuse: (r) => (r.cmd === 'NEW_DEST' && r.dest.address === '10.99.1.11' ? 'ENOMEM' : undefined) });
    const ops = reconcile([web], []);
    const report = await port.apply(ops);
    expect(report.done.map((o) => o.op)).toEqual(['add-service', 'add-dest']);
    expect(report.failures).toEqual([
      {
        action: 'add-dest [10.99.1.11]:80 to VS [10.99.1.100]:tcp:80',
        op: ops[1],
        errno: 'ENOMEM',
        message: expect.stringMatching(/^add-dest \[10\.99\.1\.11\]:80 to VS \[10\.99\.1\.100\]:tcp:80: ENOMEM \(.+\)$/),
      },
    ]);
    expect(kernel.table()[0]?.destinations).toEqual([rs12]);
  });

  it('does not tolerate what means the goal does not hold: ESRCH on edit, EEXIST on delete', async () => {
    const { port } = fakeIpvsPort({ refuse: (r) => (r.cmd === 'DEL_SERVICE' ? 'EEXIST' : undefined) });
    const report = await port.apply([
      { op: 'edit-service', service },
      { op: 'delete-service', service: fwm.service },
    ]);
    expect(report.failures.map((f) => [f.action, f.errno])).toEqual([
      ['edit-service VS [10.99.1.100]:tcp:80', 'ESRCH'],
      ['delete-service VS FWM 1', 'EEXIST'],
    ]);
  });

  it('reports a transport fault without an errno', async () => {
    const port = ipvsPortOver(answering({ kind: 'fault', message: 'Timeout has been reached' }));
    const report = await port.apply([{ op: 'add-service', service }]);
    expect(report.failures).toEqual([
      { action: 'add-service VS [10.99.1.100]:tcp:80', op: { op: 'add-service', service }, message: 'add-service VS [10.99.1.100]:tcp:80: Timeout has been reached' },
    ]);
  });
});

describe('dump', () => {
  it('reads services as the kernel marks them (HASHED) with their destinations', async () => {
    const { port } = fakeIpvsPort({ table: TABLE });
    const dumped = await port.dump();
    expect(dumped.ok).toBe(true);
    if (!dumped.ok) return;
    expect(dumped.table.map((e) => e.service.flags & SVC_FLAG.HASHED)).toEqual([SVC_FLAG.HASHED, SVC_FLAG.HASHED]);
    expect(sameTable(dumped.table, TABLE)).toBe(true);
  });

  it('reports malformed replies instead of throwing, and keeps what decoded', async () => {
    const good = encodeReply({ cmd: 'NEW_SERVICE', service });
    const transport: GenlTransport = {
      request: async () => ({ kind: 'ok', value: undefined }),
      dump: async (payload) =>
        payload[0] === 4 // GET_SERVICE
          ? { kind: 'ok', value: [Buffer.from([1, 1, 0, 0, 0xff]), good, encodeReply({ cmd: 'NEW_DEST', dest: rs11 })] }
          : { kind: 'ok', value: [encodeReply({ cmd: 'NEW_DEST', dest: rs11 }), good.subarray(0, 9)] },
      close: () => undefined,
    };
    const dumped = await ipvsPortOver(transport).dump();
    expect(dumped.ok).toBe(true);
    if (!dumped.ok) return;
    expect(dumped.table).toEqual([{ service, destinations: [rs11] }]);
    expect(dumped.malformed).toEqual([
      expect.stringMatching(/^service 0: /),
      'service 2: a NEW_DEST reply',
      expect.stringMatching(/^destination 1 of VS \[10\.99\.1\.100\]:tcp:80: /),
    ]);
  });

  it('leaves out a service deleted between the two dumps (ESRCH)', async () => {
    const { port } = fakeIpvsPort({ table: TABLE, refuse: (r) => (r.cmd === 'GET_DEST' && r.service.key.kind === 'fwmark' ? 'ESRCH' : undefined) });
    const dumped = await port.dump();
    expect(dumped.ok && dumped.table.map((e) => e.service.key.kind)).toEqual(['address']);
  });

  it('fails with context when the kernel refuses a dump', async () => {
    const { port } = fakeIpvsPort({ table: TABLE, refuse: (r) => (r.cmd === 'GET_DEST' ? 'EPERM' : undefined) });
    expect(await port.dump()).toMatchObject({ ok: false, failure: { action: 'dump destinations of VS [10.99.1.100]:tcp:80', errno: 'EPERM' } });
    const refused = ipvsPortOver(answering({ kind: 'ok', value: undefined }, { kind: 'refused', errno: 1 }));
    expect(await refused.dump()).toMatchObject({ ok: false, failure: { action: 'dump services', errno: 'EPERM' } });
  });
});

describe('flush and deleteServices', () => {
  it('flush empties the kernel; a refusal comes back as a failure', async () => {
    const { port, kernel } = fakeIpvsPort({ table: TABLE });
    expect(await port.flush()).toBeUndefined();
    expect(kernel.table()).toEqual([]);
    const refused = fakeIpvsPort({ refuse: (r) => (r.cmd === 'FLUSH' ? 'EPERM' : undefined) });
    expect(await refused.port.flush()).toMatchObject({ action: 'flush', errno: 'EPERM' });
  });

  it('deleteServices removes the given services with their destinations and leaves the others', async () => {
    const { port, kernel } = fakeIpvsPort({ table: TABLE });
    const report = await deleteServices(port, [service]);
    expect(report.done).toEqual([{ op: 'delete-service', service }]);
    expect(kernel.table()).toEqual([fwm]);
  });
});

it('names errnos as the system does', () => {
  expect(errnoName(17)).toBe('EEXIST');
  expect(errnoName(3)).toBe('ESRCH');
  expect(errnoName(99999)).toBe('errno 99999');
});

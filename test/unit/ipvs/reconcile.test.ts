/** The reconciler: converges in one pass, adopts what exists, orders ops safely; apply as the kernel would. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SVC_FLAG } from '../../../src/ipvs/constants.js';
import { decodeRequest, encodeRequest } from '../../../src/ipvs/genl.js';
import { apply, opToRequest, type IpvsOp } from '../../../src/ipvs/ops.js';
import { reconcile } from '../../../src/ipvs/reconcile.js';
import { destinationId, sameTable, serviceId, type Table } from '../../../src/ipvs/table.js';
import { overlappingTablesArb, tableArb } from './arbitraries.js';
import { expectedFiles, readVector, tableOf as table } from './vectors.js';

/** What the kernel reports back: every service HASHED. */
const asDumped = (table: Table): Table => table.map((e) => ({ ...e, service: { ...e.service, flags: e.service.flags | SVC_FLAG.HASHED } }));

const opTarget = (op: IpvsOp): string => serviceId(op.service.key) + ('dest' in op ? ` ${destinationId(op.dest)}` : '');

describe('properties', () => {
  // Independent tables, and tables that share much of their content.
  const pair = fc.oneof(fc.tuple(tableArb(false), tableArb(false)), overlappingTablesArb);

  it('one pass converges, without a refused op, and a second pass is empty', () => {
    fc.assert(
      fc.property(pair, ([desired, actual]) => {
        const ops = reconcile(desired, actual);
        const { table, refused } = apply(actual, ops);
        expect(refused).toEqual([]);
        expect(sameTable(table, desired)).toBe(true);
        expect(reconcile(desired, asDumped(table))).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('creates services before their destinations and removes destinations before their service', () => {
    fc.assert(
      fc.property(pair, ([desired, actual]) => {
        const ops = reconcile(desired, actual);
        ops.forEach((op, i) => {
          const id = serviceId(op.service.key);
          const later = ops.slice(i + 1);
          const earlier = ops.slice(0, i);
          if (op.op === 'add-service') expect(earlier.some((o) => 'dest' in o && serviceId(o.service.key) === id)).toBe(false);
          if (op.op === 'delete-service') expect(later.some((o) => serviceId(o.service.key) === id)).toBe(false);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('exercises every kind of op', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(pair, ([desired, actual]) => void reconcile(desired, actual).forEach((o) => seen.add(o.op))), { numRuns: 300 });
    expect([...seen].sort()).toEqual(['add-dest', 'add-service', 'delete-dest', 'delete-service', 'edit-dest', 'edit-service']);
  });

  it('is minimal: one op per differing service or destination, none for what already matches', () => {
    fc.assert(
      fc.property(pair, ([desired, actual]) => {
        const ops = reconcile(desired, actual);
        const targets = ops.map(opTarget);
        expect(new Set(targets).size).toBe(targets.length);
        // Adopting: the table with itself (as dumped) needs nothing.
        expect(reconcile(desired, asDumped(desired))).toEqual([]);
        // Deleted services take their destinations along: no per-destination deletes for them.
        const deleted = new Set(ops.filter((o) => o.op === 'delete-service').map((o) => serviceId(o.service.key)));
        expect(ops.some((o) => o.op === 'delete-dest' && deleted.has(serviceId(o.service.key)))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('every op becomes a genl request that decodes to itself', () => {
    fc.assert(
      fc.property(pair, ([desired, actual]) => {
        for (const op of reconcile(desired, actual)) {
          const req = opToRequest(op);
          expect(decodeRequest(encodeRequest(req))).toEqual({ ok: true, value: req });
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe.runIf(expectedFiles.includes('nat_wrr_persist/expected-ipvsadm-Sn.txt'))('keepalived transitions (nat_wrr_persist)', () => {
  const read = (state: string): Table => table(readVector(`nat_wrr_persist/expected-ipvsadm-Sn${state}.txt`));

  it('a real server going down is one DEL_DEST', () => {
    const ops = reconcile(read('-rs12-down'), read(''));
    expect(ops.map((o) => [o.op, opTarget(o)])).toEqual([['delete-dest', 'tcp/inet/10.99.1.100/80 inet/10.99.1.12/80']]);
  });

  it('start from empty: the service, then its destinations; stop: one DEL_SERVICE', () => {
    expect(reconcile(read(''), []).map((o) => o.op)).toEqual(['add-service', 'add-dest', 'add-dest', 'add-dest']);
    expect(reconcile(read('-after-stop'), read('')).map((o) => o.op)).toEqual(['delete-service']);
  });
});

describe('edits', () => {
  const base = table('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 1\n');

  it('changes settings in place, new destinations before removals', () => {
    const want = table('-A -t 10.0.0.1:80 -s wrr -p 60\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 0\n-a -t 10.0.0.1:80 -r 10.0.0.4:80 -m -w 1\n');
    expect(reconcile(want, base).map((o) => [o.op, opTarget(o)])).toEqual([
      ['edit-service', 'tcp/inet/10.0.0.1/80'],
      ['add-dest', 'tcp/inet/10.0.0.1/80 inet/10.0.0.4/80'],
      ['edit-dest', 'tcp/inet/10.0.0.1/80 inet/10.0.0.2/80'],
      ['delete-dest', 'tcp/inet/10.0.0.1/80 inet/10.0.0.3/80'],
    ]);
  });

  it('ignores the HASHED flag the kernel adds', () => {
    expect(reconcile(base, asDumped(base))).toEqual([]);
  });
});

describe('apply refuses as the kernel does', () => {
  const [entry] = table('-A -u 10.0.0.1:53 -s rr\n-a -u 10.0.0.1:53 -r 10.0.0.2:53 -m -w 1\n');
  const { service, destinations } = entry!;
  const dest = destinations[0]!;

  it.each([
    ['add-service on an existing service', [{ op: 'add-service', service }], 'EEXIST'],
    ['add-dest on an existing destination', [{ op: 'add-dest', service, dest }], 'EEXIST'],
    ['edit-dest on a missing destination', [{ op: 'edit-dest', service, dest: { ...dest, port: 54 } }], 'ENOENT'],
    ['delete-dest on a missing destination', [{ op: 'delete-dest', service, dest: { ...dest, port: 54 } }], 'ENOENT'],
    ['any op on a missing service', [{ op: 'delete-service', service }, { op: 'edit-service', service }], 'ESRCH'],
  ] as const)('%s', (_what, ops, errno) => {
    const { refused } = apply([entry!], ops as readonly IpvsOp[]);
    expect(refused.map((r) => r.errno).at(-1)).toBe(errno);
  });
});

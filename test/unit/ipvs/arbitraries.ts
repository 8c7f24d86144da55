/** fast-check generators of IPVS tables: small address/port pools so desired and actual tables overlap. */
import fc from 'fast-check';
import { formatAddress, type Family } from '../../../src/base/inet.js';
import { SVC_FLAG } from '../../../src/ipvs/constants.js';
import {
  defaultNetmask,
  destinationId,
  serviceId,
  type Destination,
  type Forwarding,
  type Service,
  type ServiceKey,
  type Table,
  type Tunnel,
} from '../../../src/ipvs/table.js';

export const familyArb = fc.constantFrom<Family>('inet', 'inet6');

const POOL: Record<Family, string[]> = {
  inet: ['10.99.1.100', '10.99.1.11', '10.99.1.12', '192.0.2.1'],
  inet6: ['fd99:1::100', 'fd99:1::11', '::1', '::ffff:10.0.0.1'],
};

/** `wide`: any address (codec tests); otherwise one from a small pool (reconciler tests). */
export function addressArb(family: Family, wide: boolean): fc.Arbitrary<string> {
  const pooled = fc.constantFrom(...POOL[family]);
  if (!wide) return pooled;
  const size = family === 'inet' ? 4 : 16;
  return fc.oneof(pooled, fc.uint8Array({ minLength: size, maxLength: size }).map((b) => formatAddress(family, b)));
}

const portArb = (wide: boolean): fc.Arbitrary<number> => (wide ? fc.integer({ min: 0, max: 0xffff }) : fc.constantFrom(0, 80, 443));
const u32 = fc.nat({ max: 0xffffffff });

const checksumArb = fc.constantFrom('nocsum', 'csum', 'remcsum' as const);
export const tunnelArb: fc.Arbitrary<Tunnel> = fc.oneof(
  fc.constant({ type: 'ipip' as const }),
  fc.record({ type: fc.constant('gue' as const), port: fc.integer({ min: 1, max: 0xffff }), checksum: checksumArb }),
  fc.record({ type: fc.constant('gre' as const), checksum: checksumArb }),
);

export const forwardingArb: fc.Arbitrary<Forwarding> = fc.oneof(
  fc.constant({ method: 'NAT' as const }),
  fc.constant({ method: 'DR' as const }),
  tunnelArb.map((tunnel) => ({ method: 'TUN' as const, tunnel })),
);

export function destinationArb(wide: boolean): fc.Arbitrary<Destination> {
  return familyArb.chain((family) =>
    fc.record({
      family: fc.constant(family),
      address: addressArb(family, wide),
      port: portArb(wide),
      forwarding: forwardingArb,
      weight: wide ? fc.nat({ max: 0x7fffffff }) : fc.nat({ max: 3 }),
      upperThreshold: wide ? u32 : fc.constantFrom(0, 100),
      lowerThreshold: wide ? u32 : fc.constantFrom(0, 10),
    }),
  );
}

export function serviceKeyArb(wide: boolean): fc.Arbitrary<ServiceKey> {
  return familyArb.chain((family) =>
    fc.oneof(
      fc.record({
        kind: fc.constant('address' as const),
        family: fc.constant(family),
        protocol: fc.constantFrom('tcp', 'udp', 'sctp' as const),
        address: addressArb(family, wide),
        port: portArb(wide),
      }),
      fc.record({
        kind: fc.constant('fwmark' as const),
        family: fc.constant(family),
        fwmark: wide ? fc.integer({ min: 1, max: 0xffffffff }) : fc.constantFrom(1, 2),
      }),
    ),
  );
}

export function serviceArb(wide: boolean): fc.Arbitrary<Service> {
  return serviceKeyArb(wide).chain((key) =>
    fc.record(
      {
        key: fc.constant(key),
        scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'lc', 'sh', 'mh'),
        flags: fc.nat({ max: 0x3f }),
        timeout: wide ? u32 : fc.constantFrom(0, 50, 300),
        netmask: key.family === 'inet' ? (wide ? u32 : fc.constantFrom(0xffffffff, 0xffffff00)) : fc.integer({ min: 1, max: 128 }),
        peName: fc.constant('sip'),
      },
      { requiredKeys: ['key', 'scheduler', 'flags', 'timeout', 'netmask'] },
    ),
  );
}

export function tableArb(wide: boolean): fc.Arbitrary<Table> {
  const entry = fc.record({
    service: serviceArb(wide),
    destinations: fc.uniqueArray(destinationArb(wide), { selector: destinationId, maxLength: 5 }),
  });
  return fc.uniqueArray(entry, { selector: (e) => serviceId(e.service.key), maxLength: 5 });
}

/** What survives `ipvsadm -Sn`: no thresholds, no HASHED, timeout and mask only when persistent, no nameless sh/mh flag. */
export function asIpvsadmShows(table: Table): Table {
  return table.map((e) => {
    const s = e.service;
    const persistent = (s.flags & SVC_FLAG.PERSISTENT) !== 0;
    const nameless = s.scheduler === 'sh' || s.scheduler === 'mh' ? SVC_FLAG.SCHED3 : 0;
    const service: Service = {
      ...s,
      flags: s.flags & ~SVC_FLAG.HASHED & ~nameless,
      timeout: persistent ? s.timeout : 0,
      netmask: persistent ? s.netmask : defaultNetmask(s.key.family),
    };
    return { service, destinations: e.destinations.map((d) => ({ ...d, upperThreshold: 0, lowerThreshold: 0 })) };
  });
}

/**
 * A desired table and a kernel table that shares part of it: some services
 * kept as they are, some with other settings, some destinations gone or
 * reweighted, plus unrelated services.
 */
export const overlappingTablesArb: fc.Arbitrary<[Table, Table]> = fc
  .tuple(tableArb(false), tableArb(false), fc.array(fc.nat({ max: 5 }), { minLength: 5, maxLength: 5 }))
  .map(([desired, other, knobs]) => {
    const shared = desired.flatMap((e, i): Table => {
      const knob = knobs[i] ?? 0;
      if (knob === 0) return [];
      const service = knob === 1 ? { ...e.service, scheduler: `${e.service.scheduler}x` } : e.service;
      const destinations = e.destinations
        .filter((_, j) => knob !== 2 || j % 2 === 0)
        .map((d) => (knob === 3 ? { ...d, weight: d.weight + 1 } : d));
      return [{ service, destinations }];
    });
    const ids = new Set(shared.map((e) => serviceId(e.service.key)));
    return [desired, [...shared, ...other.filter((e) => !ids.has(serviceId(e.service.key)))]];
  });

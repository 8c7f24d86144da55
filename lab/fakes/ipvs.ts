/**
 * An in-memory IPVS kernel behind the genl transport, performing ops with
 * `apply` (the kernel's semantics): unit tests drive the real port logic
 * (encoding, acks, errno tolerances, dump decoding) without a kernel. It also
 * runs the sync daemons as the kernel's start_sync_thread/stop_sync_thread
 * answer: one per state, EEXIST for a second, ENODEV for an unknown interface,
 * ESRCH to stop one that is not running. `interfere` lets another actor
 * (an operator's ipvsadm, a second daemon) change the table just before a
 * request is handled, so the kernel's answer is genuinely EEXIST or ENOENT.
 */
import { constants } from 'node:os';
import { SVC_FLAG } from '../../src/ipvs/constants.js';
import { decodeRequest, encodeReply, type IpvsRequest } from '../../src/ipvs/genl.js';
import { ipvsPortOver } from '../../src/ipvs/genl-port.js';
import type { GenlAnswer, GenlTransport } from '../../src/ipvs/genl-transport.js';
import { apply, type IpvsOp } from '../../src/ipvs/ops.js';
import type { SyncDaemon } from '../../src/ipvs/genl-sync-daemon.js';
import type { IpvsPort } from '../../src/ipvs/port.js';
import { serviceId, type Table } from '../../src/ipvs/table.js';

export interface FakeKernelOptions {
  readonly table?: Table;
  /** An errno name (`ENOMEM`) to refuse a request with instead of performing it. */
  readonly refuse?: (req: IpvsRequest) => string | undefined;
  /** An op another actor performs just before this request is handled. */
  readonly interfere?: (req: IpvsRequest) => IpvsOp | undefined;
  /** The interfaces a sync daemon may multicast on; by default any named one. */
  readonly interfaces?: readonly string[];
  /** false: `requests` stays empty (a long run must not grow the fake); by default every request is kept. */
  readonly record?: boolean;
}

export interface FakeKernel {
  readonly transport: GenlTransport;
  /** The table as the kernel holds it now. */
  table(): Table;
  /** The sync daemons running now, master first. */
  daemons(): SyncDaemon[];
  /** Every request received, decoded, in order. */
  readonly requests: readonly IpvsRequest[];
}

const refused = (name: string): GenlAnswer<never> => ({
  kind: 'refused',
  errno: constants.errno[name as keyof typeof constants.errno] ?? constants.errno.EINVAL,
});

function requestToOp(req: IpvsRequest): IpvsOp | undefined {
  switch (req.cmd) {
    case 'NEW_SERVICE':
      return { op: 'add-service', service: req.service };
    case 'SET_SERVICE':
      return { op: 'edit-service', service: req.service };
    case 'DEL_SERVICE':
      return { op: 'delete-service', service: req.service };
    case 'NEW_DEST':
      return { op: 'add-dest', service: req.service, dest: req.dest };
    case 'SET_DEST':
      return { op: 'edit-dest', service: req.service, dest: req.dest };
    case 'DEL_DEST':
      return { op: 'delete-dest', service: req.service, dest: req.dest };
    default:
      return undefined;
  }
}

export function fakeKernel(options: FakeKernelOptions = {}): FakeKernel {
  let table: Table = options.table ?? [];
  const requests: IpvsRequest[] = [];
  const daemons = new Map<SyncDaemon['state'], SyncDaemon>();
  const knownInterface = (name: string): boolean => (options.interfaces ? options.interfaces.includes(name) : name !== '');

  function daemonRequest(req: Extract<IpvsRequest, { cmd: 'NEW_DAEMON' | 'DEL_DAEMON' }>): GenlAnswer<void> {
    const { state } = req.daemon;
    if (req.cmd === 'DEL_DAEMON') {
      if (!daemons.delete(state)) return refused('ESRCH');
    } else {
      if (daemons.has(state)) return refused('EEXIST');
      if (!knownInterface(req.daemon.interface)) return refused('ENODEV');
      daemons.set(state, req.daemon);
    }
    return { kind: 'ok', value: undefined };
  }

  /** A decoded request, or the EINVAL the kernel answers a malformed one with. */
  function receive(payload: Buffer): IpvsRequest | GenlAnswer<never> {
    const decoded = decodeRequest(payload);
    if (!decoded.ok) return refused('EINVAL');
    if (options.record !== false) requests.push(decoded.value);
    const foreign = options.interfere?.(decoded.value);
    if (foreign) table = apply(table, [foreign]).table;
    const refusal = options.refuse?.(decoded.value);
    return refusal ? refused(refusal) : decoded.value;
  }

  async function request(payload: Buffer): Promise<GenlAnswer<void>> {
    const req = receive(payload);
    if ('kind' in req) return req;
    if (req.cmd === 'FLUSH') {
      table = [];
      return { kind: 'ok', value: undefined };
    }
    if (req.cmd === 'NEW_DAEMON' || req.cmd === 'DEL_DAEMON') return daemonRequest(req);
    const op = requestToOp(req);
    if (!op) return { kind: 'fault', message: `the fake kernel does not model ${req.cmd}` };
    const result = apply(table, [op]);
    table = result.table;
    const [refusal] = result.refused;
    return refusal ? refused(refusal.errno) : { kind: 'ok', value: undefined };
  }

  async function dump(payload: Buffer): Promise<GenlAnswer<readonly Buffer[]>> {
    const req = receive(payload);
    if ('kind' in req) return req;
    if (req.cmd === 'GET_SERVICE') {
      // The kernel marks every service it holds HASHED.
      return { kind: 'ok', value: table.map((e) => encodeReply({ cmd: 'NEW_SERVICE', service: { ...e.service, flags: e.service.flags | SVC_FLAG.HASHED } })) };
    }
    if (req.cmd !== 'GET_DEST') return { kind: 'fault', message: `the fake kernel does not dump ${req.cmd}` };
    const entry = table.find((e) => serviceId(e.service.key) === serviceId(req.service.key));
    if (!entry) return refused('ESRCH');
    return { kind: 'ok', value: entry.destinations.map((dest) => encodeReply({ cmd: 'NEW_DEST', dest })) };
  }

  return {
    transport: { request, dump, close: () => undefined },
    table: () => table,
    daemons: () => (['master', 'backup'] as const).flatMap((s) => daemons.get(s) ?? []),
    requests,
  };
}

/** The port logic over a fresh fake kernel. */
export function fakeIpvsPort(options: FakeKernelOptions = {}): { port: IpvsPort; kernel: FakeKernel } {
  const kernel = fakeKernel(options);
  return { port: ipvsPortOver(kernel.transport), kernel };
}

/**
 * The IPVS port over any generic-netlink transport (the real socket in
 * netlink-port.ts, the fake kernel in lab/fakes/ipvs.ts): each op one request with
 * NLM_F_ACK, its ack checked with keepalived's tolerances (EEXIST on add,
 * ENOENT/ESRCH on delete are success; an edit of a destination that has gone
 * adds it back); the table dumped as services, then each service's
 * destinations. Nothing here throws: refusals and malformed replies come back
 * in the reports.
 */
import { getSystemErrorMap } from 'node:util';
import { decodeReply, encodeRequest, type DaemonKey, type IpvsRequest, type SyncDaemon } from './genl.js';
import type { GenlAnswer, GenlTransport } from './genl-transport.js';
import { opToRequest, type IpvsOp, type OpErrno } from './ops.js';
import type { ApplyReport, DumpReport, IpvsPort, PortFailure } from './port.js';
import type { Destination, Service, ServiceKey, TableEntry } from './table.js';

const TOLERATED: Readonly<Record<IpvsOp['op'], readonly OpErrno[]>> = {
  'add-service': ['EEXIST'],
  'add-dest': ['EEXIST'],
  'delete-service': ['ESRCH', 'ENOENT'],
  'delete-dest': ['ENOENT', 'ESRCH'],
  'edit-service': [],
  'edit-dest': [],
};

/** keepalived's way of naming a virtual service in its logs. */
function serviceText(key: ServiceKey): string {
  return key.kind === 'fwmark' ? `FWM ${key.fwmark}` : `[${key.address}]:${key.protocol}:${key.port}`;
}

const destText = (d: Destination): string => `[${d.address}]:${d.port}`;

export function describeOp(op: IpvsOp): string {
  const vs = `VS ${serviceText(op.service.key)}`;
  return 'dest' in op ? `${op.op} ${destText(op.dest)} ${op.op === 'add-dest' ? 'to' : 'of'} ${vs}` : `${op.op} ${vs}`;
}

/** `EEXIST` for 17; the number itself when the system does not know it. */
export function errnoName(errno: number): string {
  return getSystemErrorMap().get(-errno)?.[0] ?? `errno ${errno}`;
}

export function failureOf(action: string, answer: Exclude<GenlAnswer<unknown>, { kind: 'ok' }>, op?: IpvsOp): PortFailure {
  const base = op ? { action, op } : { action };
  if (answer.kind === 'fault') return { ...base, message: `${action}: ${answer.message}` };
  const errno = errnoName(answer.errno);
  const text = getSystemErrorMap().get(-answer.errno)?.[1];
  return { ...base, errno, message: `${action}: ${errno}${text ? ` (${text})` : ''}` };
}

function toleratedErrno(op: IpvsOp, answer: GenlAnswer<void>): OpErrno | undefined {
  if (answer.kind !== 'refused') return undefined;
  const name = errnoName(answer.errno);
  return TOLERATED[op.op].find((e) => e === name);
}

export function ipvsPortOver(transport: GenlTransport): IpvsPort {
  const send = (req: IpvsRequest): Promise<GenlAnswer<void>> => transport.request(encodeRequest(req));

  async function apply(ops: readonly IpvsOp[]): Promise<ApplyReport> {
    const done: IpvsOp[] = [];
    const tolerated: { op: IpvsOp; errno: OpErrno }[] = [];
    const failures: PortFailure[] = [];
    for (const op of ops) {
      let answer = await send(opToRequest(op));
      if (op.op === 'edit-dest' && answer.kind === 'refused' && errnoName(answer.errno) === 'ENOENT') {
        answer = await send(opToRequest({ ...op, op: 'add-dest' }));
      }
      const errno = toleratedErrno(op, answer);
      if (answer.kind === 'ok') done.push(op);
      else if (errno) tolerated.push({ op, errno });
      else failures.push(failureOf(describeOp(op), answer, op));
    }
    return { done, tolerated, failures };
  }

  async function destinationsOf(service: Service, malformed: string[]): Promise<GenlAnswer<Destination[]>> {
    const answer = await transport.dump(encodeRequest({ cmd: 'GET_DEST', service }));
    if (answer.kind !== 'ok') return answer;
    const dests: Destination[] = [];
    answer.value.forEach((payload, i) => {
      const reply = decodeReply(payload, service.key.family);
      const where = `destination ${i} of VS ${serviceText(service.key)}`;
      if (!reply.ok) malformed.push(`${where}: ${reply.diagnostic.message}`);
      else if (reply.value.cmd !== 'NEW_DEST') malformed.push(`${where}: a ${reply.value.cmd} reply`);
      else dests.push(reply.value.dest);
    });
    return { kind: 'ok', value: dests };
  }

  /** The services a GET_SERVICE dump decodes to; the rest go to `malformed`. */
  function servicesOf(payloads: readonly Buffer[], malformed: string[]): Service[] {
    const services: Service[] = [];
    payloads.forEach((payload, i) => {
      const reply = decodeReply(payload);
      if (!reply.ok) malformed.push(`service ${i}: ${reply.diagnostic.message}`);
      else if (reply.value.cmd !== 'NEW_SERVICE') malformed.push(`service ${i}: a ${reply.value.cmd} reply`);
      else services.push(reply.value.service);
    });
    return services;
  }

  async function dump(): Promise<DumpReport> {
    const answer = await transport.dump(encodeRequest({ cmd: 'GET_SERVICE' }));
    if (answer.kind !== 'ok') return { ok: false, failure: failureOf('dump services', answer) };
    const malformed: string[] = [];
    const table: TableEntry[] = [];
    for (const service of servicesOf(answer.value, malformed)) {
      const dests = await destinationsOf(service, malformed);
      // ESRCH: the service went away between the two dumps, so it is not in the table.
      if (dests.kind === 'refused' && errnoName(dests.errno) === 'ESRCH') continue;
      if (dests.kind !== 'ok') return { ok: false, failure: failureOf(`dump destinations of VS ${serviceText(service.key)}`, dests) };
      table.push({ service, destinations: dests.value });
    }
    return { ok: true, table, malformed };
  }

  async function flush(): Promise<PortFailure | undefined> {
    const answer = await send({ cmd: 'FLUSH' });
    return answer.kind === 'ok' ? undefined : failureOf('flush', answer);
  }

  async function startDaemon(daemon: SyncDaemon): Promise<PortFailure | undefined> {
    const answer = await send({ cmd: 'NEW_DAEMON', daemon });
    return answer.kind === 'ok' ? undefined : failureOf(`start the ${daemon.state} sync daemon`, answer);
  }

  async function stopDaemon(daemon: DaemonKey): Promise<PortFailure | undefined> {
    const answer = await send({ cmd: 'DEL_DAEMON', daemon });
    return answer.kind === 'ok' ? undefined : failureOf(`stop the ${daemon.state} sync daemon`, answer);
  }

  return { dump, apply, flush, startDaemon, stopDaemon, close: () => transport.close() };
}

/**
 * The third router of the hostile-packets case (soak/hostile-packets.ts): run inside its namespace as
 *   node build/lab/hostile-sender.js IFNAME SPEC_JSON COUNT RATE
 * it sends COUNT frames of lab/hostile-packets.ts out of IFNAME through an AF_PACKET socket, RATE per second
 * (0: as fast as it can), then prints one JSON line: what it sent by kind, the frames the transmit queue refused
 * (EAGAIN: sent again), and how long it took.
 */
import * as fs from 'node:fs';
import { openPacketSocket } from '../src/base/native.js';
import { hostileFrames, type HostileFrame, type HostileSpec } from './hostile-packets.js';

export interface SenderReport {
  readonly sent: number;
  /** `kind/family` → frames sent. */
  readonly byKind: Record<string, number>;
  /** IPv6 frames whose checksum the receivers' kernels refuse (HostileFrame.kernelRefuses). */
  readonly kernelRefuses: number;
  /** Sends the transmit queue refused (each frame was tried again until it went). */
  readonly busy: number;
  readonly seconds: number;
}

const [ifname, specJson, countText, rateText] = process.argv.slice(2);
if (!ifname || !specJson || !countText || rateText === undefined) {
  console.error('usage: hostile-sender.js IFNAME SPEC_JSON COUNT RATE');
  process.exit(2);
}
const spec = JSON.parse(specJson) as HostileSpec;
const count = Number(countText);
const rate = Number(rateText);
const socket = openPacketSocket(Number(fs.readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8')));
const frames = hostileFrames(spec);
const byKind: Record<string, number> = {};
let sent = 0;
let busy = 0;
let kernelRefuses = 0;
const started = process.hrtime.bigint();
const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;

/** Sends one frame; false when the queue is full (the frame is kept for the next try). */
let pending: HostileFrame | undefined;
function sendOne(): boolean {
  pending ??= frames.next().value as HostileFrame;
  try {
    socket.send(Buffer.from(pending.frame.buffer, pending.frame.byteOffset, pending.frame.byteLength));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN' || /EAGAIN|ENOBUFS|temporarily/i.test((error as Error).message)) {
      busy++;
      return false;
    }
    throw error;
  }
  const key = `${pending.kind}/${pending.family}`;
  byKind[key] = (byKind[key] ?? 0) + 1;
  if (pending.kernelRefuses) kernelRefuses++;
  pending = undefined;
  sent++;
  return true;
}

function tick(): void {
  // at a rate: what is due by now; at full rate: a batch, then back to the event loop
  const due = rate > 0 ? Math.min(count, Math.floor(elapsed() * rate)) : Math.min(count, sent + 2000);
  while (sent < due && sendOne());
  if (sent < count) {
    setTimeout(tick, rate > 0 ? 1 : 0);
    return;
  }
  socket.close();
  const report: SenderReport = { sent, byKind, kernelRefuses, busy, seconds: elapsed() };
  console.log(JSON.stringify(report));
}

tick();

/** A command's output read through a pipe by a reader that is slow to start reading, as a pager might be. */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';

/** Reads `stream` of `child` only once the child has exited (or 2 s passed): its exit code, and all it wrote. */
export async function readSlowly(child: ChildProcess, stream: Readable): Promise<{ code: number | null; text: string }> {
  // 'close': exited, and its output read to the end
  const closed = once(child, 'close') as Promise<[number | null]>;
  stream.pause();
  // a command that exits before its reader has read everything does so now, while nothing is read
  await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 2000))]);
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.resume();
  const [code] = await closed;
  return { code, text: Buffer.concat(chunks).toString('latin1') };
}

/**
 * lab/smtp-sink.mjs started in a lab's namespace, for the e-mail tests: what each conversation sent, as it ends.
 */
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Lab } from './netns-lab.js';
import { PACKAGE_ROOT } from './package-root.js';

/** Starts the sink on `address`:25 in `ns` (the lab's close() ends it); resolves once it listens, with the list its conversations fill. */
export async function startSmtpSink(lab: Lab, ns: string, address: string): Promise<string[][]> {
  const conversations: string[][] = [];
  const sink = lab.spawn(ns, process.execPath, [path.join(PACKAGE_ROOT, 'lab/smtp-sink.mjs'), address, '25']);
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: sink.stdout! }).on('line', (line) => {
      if (line === 'ready') resolve();
      else conversations.push((JSON.parse(line) as { lines: string[] }).lines);
    });
    sink.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code})`)));
  });
  return conversations;
}

/**
 * `keepalived-ts --print-config` against the live keepalived, inside a
 * network namespace shaped like the verdicts' mode B (veth eth0..eth3 up):
 * every corpus file keepalived 2.2.7 accepts is printed by the real command
 * line, and keepalived's own `-t` must accept the printed text too. A file
 * naming a net_namespace missing here is not read past global_defs (by
 * keepalived either): nothing is printed for it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_DIR, VERDICT_CONFIG_ID, corpusAvailable, loadVerdicts } from '../../lab/corpus.js';
import { tempDir } from '../tmp.js';
import { Netns, requireNetnsOrSkip } from './netns.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/keepalived-ts');
const run = requireNetnsOrSkip() && corpusAvailable();
if (!corpusAvailable()) console.warn(`keepalived corpus not found at ${CORPUS_DIR}: --print-config against keepalived skipped`);
const CONCURRENCY = 4;

/** Exit code, standard output (latin1, as the configuration's bytes) and error of a command run in the namespace. */
function runIn(ns: Netns, cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns.name, cmd, ...args], { cwd: CORPUS_DIR, timeout: 20_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') }));
    child.on('error', () => resolve({ code: null, stdout: '', stderr: '' }));
  });
}

describe.skipIf(!run)('--print-config beside the live keepalived', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = new Netns('print');
    ns.addVeths(['eth0', 'eth1', 'eth2', 'eth3']);
  });
  afterAll(() => ns?.delete());

  it('prints every corpus file keepalived accepts as text keepalived accepts', async () => {
    const accepted = loadVerdicts().filter((v) => v.exitCode === 0);
    const dir = tempDir('print-config');
    const refused: string[] = [];
    const notRead: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < accepted.length) {
        const n = next++;
        const v = accepted[n]!;
        const printed = await runIn(ns, process.execPath, [CLI, '--print-config', '-i', VERDICT_CONFIG_ID, '-f', v.file]);
        if (printed.stdout === '' && printed.stderr.endsWith('the configuration was not read to its end: nothing printed\n')) {
          notRead.push(v.file);
          continue;
        }
        const file = path.join(dir, `${n}.conf`);
        fs.writeFileSync(file, printed.stdout, 'latin1');
        const theirs = await runIn(ns, 'keepalived', ['-t', '-i', VERDICT_CONFIG_ID, '-f', file]);
        if (printed.code !== 0 || theirs.code !== 0) refused.push(`${v.file} (${file}): ours ${printed.code}, keepalived ${theirs.code} ${theirs.stderr.split('\n')[0]}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const printedCount = accepted.length - notRead.length;
    console.log(`keepalived accepts the printed text of ${printedCount - refused.length}/${printedCount} files it accepts (${notRead.length} not read to the end here)`);
    expect(refused).toEqual([]);
    // (on a line of its own or behind an @id condition)
    const namesNamespace = (file: string): boolean => /^\s*(?:@\^?\S+\s+)?net_namespace\s/m.test(fs.readFileSync(path.join(CORPUS_DIR, file), 'latin1'));
    expect(notRead.filter((f) => !namesNamespace(f))).toEqual([]);
  }, 900_000);
});

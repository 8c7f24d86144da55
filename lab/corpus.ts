/**
 * The keepalived sample corpus and its recorded `keepalived -t` verdicts
 * (../shared/corpus, third-party, never copied into the project), run
 * through our parser on a host shaped like the verdicts' "mode B": a network
 * namespace with lo, eth0..eth3 and eth0.1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';
import { parseConfig, type ParseResult } from '../src/config/parse.js';
import { hostSystem, type SystemPort } from '../src/config/system.js';

export const CORPUS_DIR = process.env.KEEPALIVED_CORPUS ?? path.resolve(PACKAGE_ROOT, '../shared/corpus/keepalived-samples');
/** The config-id the verdicts were recorded with (the recording host's name). */
export const VERDICT_CONFIG_ID = process.env.KEEPALIVED_CORPUS_ID ?? 'node';

export interface Verdict {
  readonly file: string;
  readonly exitCode: number;
  readonly firstError: string;
}

export function corpusAvailable(): boolean {
  return fs.existsSync(path.join(CORPUS_DIR, 'VERDICTS.tsv'));
}

/** Column 4/5 of VERDICTS.tsv: the run inside a namespace with eth0..eth3. */
export function loadVerdicts(): Verdict[] {
  const text = fs.readFileSync(path.join(CORPUS_DIR, 'VERDICTS.tsv'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const cols = l.split('\t');
      return { file: cols[0]!, exitCode: Number(cols[3]), firstError: cols[4] ?? '' };
    });
}

/** The recording's `eth0.1` vlan could not be created there (keepalived reports it missing), so it is not here. */
export const MODE_B_INTERFACES = ['lo', 'eth0', 'eth1', 'eth2', 'eth3'];

/** The real host for users and files, with mode B's interfaces. */
export function modeBSystem(): SystemPort {
  const host = hostSystem();
  return {
    ...host,
    interfaceExists: (name) => MODE_B_INTERFACES.includes(name),
    linkKind: (name) => (MODE_B_INTERFACES.includes(name) ? {} : undefined),
    hostname: () => VERDICT_CONFIG_ID,
  };
}

export function runCorpusFile(file: string, sys = modeBSystem()): ParseResult {
  return parseConfig(file, { cwd: CORPUS_DIR, system: sys, testMode: true, randomSeed: 1 });
}

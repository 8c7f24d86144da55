/** keepalived 2.2.7's IPVS vectors (test/fixtures/ipvs, see test/fixtures/README.md). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseIpvsadm } from '../../../lab/ipvsadm.js';
import type { Table } from '../../../src/ipvs/table.js';

export const IPVS_VECTORS = path.resolve(import.meta.dirname, '../../fixtures/ipvs');

/** `<scenario>/expected-ipvsadm-Sn*.txt`, relative to IPVS_VECTORS. */
export const expectedFiles: string[] = fs
  .readdirSync(IPVS_VECTORS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    fs
      .readdirSync(path.join(IPVS_VECTORS, d.name))
      .filter((f) => /^expected-ipvsadm-Sn.*\.txt$/.test(f))
      .map((f) => path.join(d.name, f)),
  )
  .sort();

/** The scenarios with a keepalived.conf, sorted. */
export const ipvsCases: string[] = fs
  .readdirSync(IPVS_VECTORS)
  .filter((d) => fs.existsSync(path.join(IPVS_VECTORS, d, 'keepalived.conf')))
  .sort();

export const readVector = (file: string): string => fs.readFileSync(path.join(IPVS_VECTORS, file), 'utf8');

/** Parsed `ipvsadm -Sn` text; a parse failure fails the test. */
export function tableOf(text: string): Table {
  const result = parseIpvsadm(text);
  if (!result.ok) throw new Error(result.diagnostic.message);
  return result.value;
}

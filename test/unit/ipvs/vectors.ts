/** keepalived 2.2.7's IPVS vectors (../shared/vectors/ipvs, never copied into the project). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIpvsadm } from '../../../src/ipvs/ipvsadm.js';
import type { Table } from '../../../src/ipvs/table.js';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const IPVS_VECTORS = process.env.KEEPALIVED_IPVS_VECTORS ?? path.resolve(projectRoot(), '../shared/vectors/ipvs');

/** `<scenario>/expected-ipvsadm-Sn*.txt`, relative to IPVS_VECTORS; empty when the vectors are absent. */
export const expectedFiles: string[] = fs.existsSync(IPVS_VECTORS)
  ? fs
      .readdirSync(IPVS_VECTORS, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) =>
        fs
          .readdirSync(path.join(IPVS_VECTORS, d.name))
          .filter((f) => /^expected-ipvsadm-Sn.*\.txt$/.test(f))
          .map((f) => path.join(d.name, f)),
      )
      .sort()
  : [];

export const readVector = (file: string): string => fs.readFileSync(path.join(IPVS_VECTORS, file), 'utf8');

/** Parsed `ipvsadm -Sn` text; a parse failure fails the test. */
export function tableOf(text: string): Table {
  const result = parseIpvsadm(text);
  if (!result.ok) throw new Error(result.diagnostic.message);
  return result.value;
}

/** Parse configuration text from a temporary file on a described host. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keepalivedText } from '../../../src/config/diagnostics.js';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import type { SystemPort } from '../../../src/config/system.js';
import { fakeHost } from './fake-host.js';
import { tempDir } from '../../tmp.js';

const dir = tempDir('global');
let n = 0;

export function parseText(text: string, system: SystemPort = fakeHost()): ParseResult & { texts: string[] } {
  const file = path.join(dir, `t${n++}.conf`);
  fs.writeFileSync(file, text);
  const r = parseConfig(file, { cwd: dir, system, testMode: true, randomSeed: 1 });
  return { ...r, texts: r.diagnostics.map(keepalivedText) };
}

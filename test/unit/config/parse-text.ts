/** Parse configuration text from a temporary file on a described host. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keepalivedText } from '../../../src/config/diagnostics.js';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import type { SystemPort } from '../../../src/config/system.js';
import { fakeHost } from './fake-host.js';
import { tempDir } from '../../tmp.js';

/** `text` as keepalived.conf in a fresh directory, parsed as `-t` does. */
export function parseConfigText(text: string, system: SystemPort): ParseResult {
  const dir = tempDir('conf');
  fs.writeFileSync(path.join(dir, 'keepalived.conf'), text);
  return parseConfig('keepalived.conf', { cwd: dir, system, testMode: true, randomSeed: 1 });
}

export function parseText(text: string, system: SystemPort = fakeHost()): ParseResult & { texts: string[] } {
  const r = parseConfigText(text, system);
  return { ...r, texts: r.diagnostics.map(keepalivedText) };
}

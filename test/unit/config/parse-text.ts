/** Parse configuration text, as /etc/keepalived/keepalived.conf laid over a described host. */
import { keepalivedText } from '../../../src/config/diagnostics.js';
import { parseConfig, type ParseResult } from '../../../src/config/parse.js';
import type { SystemPort } from '../../../src/config/system.js';
import { fakeHost, withFiles } from './fake-host.js';

/** `text` as /etc/keepalived/keepalived.conf on `system`, parsed as `-t` does. */
export function parseConfigText(text: string, system: SystemPort): ParseResult {
  const withConf = withFiles(system, { '/etc/keepalived/keepalived.conf': text });
  return parseConfig('keepalived.conf', { cwd: '/etc/keepalived', system: withConf, testMode: true, randomSeed: 1 });
}

export function parseText(text: string, system: SystemPort = fakeHost()): ParseResult & { texts: string[] } {
  const r = parseConfigText(text, system);
  return { ...r, texts: r.diagnostics.map(keepalivedText) };
}

/**
 * The fake Logger (src/base/logger.ts): the real console logger (keepalived -l) writing into `lines` instead of
 * stdout, each line without its time stamp and line end, detail lines included unless `detail: false`. Tests read
 * or empty `lines`; a child logger writes to the same lines.
 */
import type { Logger } from '../../src/base/logger.js';
import { createLogger } from '../../src/log/log.js';

export interface FakeLogger {
  readonly log: Logger;
  readonly lines: string[];
}

export function fakeLogger(options: { detail?: boolean } = {}): FakeLogger {
  const lines: string[] = [];
  // a console line is `Sun Nov 22 02:37:01 2026: message\n`
  const write = (line: string): void => void lines.push(line.replace(/^.*?\d{4}: /, '').trimEnd());
  return { log: createLogger({ console: true, detail: options.detail ?? true, write }), lines };
}

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/log.js';
import { consoleTime } from '../../../src/log/log-time.js';

function capture(console: boolean, detail: boolean) {
  const lines: string[] = [];
  return { lines, log: createLogger({ console, detail, write: (line) => lines.push(line) }) };
}

describe('logger', () => {
  it("JSON lines carry keepalived's text in msg, with the given fields", () => {
    const { lines, log } = capture(false, false);
    log.child({ process: 'vrrp' }).info('(VI_1) Entering MASTER STATE', { instance: 'VI_1' });
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ msg: '(VI_1) Entering MASTER STATE', level: 30, process: 'vrrp', instance: 'VI_1', pid: process.pid });
    expect(typeof record.time).toBe('string');
  });

  it('drops detail lines unless -D', () => {
    for (const [detail, count] of [[false, 0], [true, 1]] as const) {
      const { lines, log } = capture(false, detail);
      log.detail('(VI_1) sent 0 priority');
      expect(lines).toHaveLength(count);
    }
  });

  it('-l prints readable lines with keepalived’s console time stamp', () => {
    const { lines, log } = capture(true, true);
    log.info('Startup complete');
    log.detail('(VI_1) setting VIPs.');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}: Startup complete\n$/);
    expect(consoleTime(new Date(2026, 10, 2, 3, 4, 5))).toBe('Mon Nov 02 03:04:05 2026');
  });
});

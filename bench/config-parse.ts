/**
 * Config-test speed and memory on a large generated configuration
 * (1,000 virtual servers × 10 real servers, ~60k lines), ours beside
 * keepalived's on the same file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveCommand, measure, type Measurement } from './measure.js';

export function generateLargeConfig(virtualServers: number, realServers: number): string {
  const out: string[] = ['global_defs {', '    router_id bench', '}', ''];
  for (let v = 0; v < virtualServers; v++) {
    const vip = `10.99.${100 + Math.floor(v / 250)}.${(v % 250) + 1}`;
    out.push(`virtual_server ${vip} 80 {`, '    delay_loop 6', '    lb_algo wrr', '    lb_kind NAT', '    protocol TCP', '');
    for (let r = 0; r < realServers; r++) {
      out.push(
        `    real_server 10.99.${Math.floor(r / 250) + 1}.${(r % 250) + 1} 80 {`,
        '        weight 1',
        '        TCP_CHECK {',
        '            connect_timeout 3',
        '        }',
        '    }',
      );
    }
    out.push('}', '');
  }
  return out.join('\n');
}

export interface ParseBench {
  readonly lines: number;
  readonly ours: Measurement;
  readonly keepalived?: Measurement;
}

export function benchConfigParse(runs = 5): ParseBench {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kats-bench-'));
  const file = path.join(dir, 'large.conf');
  const text = generateLargeConfig(1000, 10);
  fs.writeFileSync(file, text);
  const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/keepalived-ts');
  const ours = measure(process.execPath, [cli, '-t', '-f', file], runs);
  const keepalived = haveCommand('keepalived') ? measure('keepalived', ['-t', '-f', file], runs) : undefined;
  fs.rmSync(dir, { recursive: true });
  return { lines: text.split('\n').length, ours, keepalived };
}

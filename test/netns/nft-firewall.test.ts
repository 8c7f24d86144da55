/**
 * The real FirewallPort (src/net/nft-firewall.ts) in a namespace of its own: a batch applied through
 * `nft -j -f` shows in `nft list ruleset`, tables() lists it, a batch nft refuses rejects with an error naming
 * the batch and nft's complaint and changes nothing, and no batch file is left in TMPDIR. The port runs in a
 * Node process started inside the namespace (nft acts on the namespace it runs in). Needs `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../lab/package-root.js';
import { tempDir } from '../tmp.js';
import { Netns, requireNetnsOrSkip } from './netns.js';

const PORT = path.join(PACKAGE_ROOT, 'dist/src/net/nft-firewall.js');

describe.skipIf(!requireNetnsOrSkip())('nftFirewall, the real FirewallPort', () => {
  let ns: Netns;
  let tmp: string;
  beforeAll(() => {
    ns = new Netns('nft-port');
    tmp = tempDir('nft-port');
  });
  afterAll(() => ns?.delete());

  /** Runs `body` (with `port` bound) in a Node process inside the namespace; its stdout is JSON. */
  const inNamespace = (body: string): unknown => {
    const script = `import { nftFirewall as port } from ${JSON.stringify(PORT)};\nconst out = await (async () => { ${body} })();\nprocess.stdout.write(JSON.stringify(out));\n`;
    const run = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TMPDIR: tmp } });
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout);
  };

  it('applies a batch, lists its table, refuses a bad one with context and leaves no file behind', () => {
    const table = { family: 'ip', name: 'kts_port' };
    const out = inNamespace(`
      await port.apply([{ add: { table: ${JSON.stringify(table)} } }, { add: { set: { family: 'ip', table: 'kts_port', name: 'vips', type: 'ipv4_addr' } } }]);
      const tables = await port.tables();
      let refused;
      try {
        await port.apply([{ add: { element: { family: 'ip', table: 'kts_port', name: 'vips', elem: ['10.99.0.1'] } } }, { delete: { table: { family: 'ip', name: 'no_such_table' } } }]);
      } catch (error) {
        refused = error.message;
      }
      return { tables, refused, after: await port.tables() };
    `) as { tables: unknown[]; refused: string; after: unknown[] };
    expect(out.tables).toEqual([table]);
    expect(out.refused).toMatch(/^nftables: batch of 2 \(add element ip vips, delete table ip no_such_table\) failed \(\/usr\/sbin\/nft -j -f <batch>\): .*No such file or directory/);
    expect(out.after).toEqual([table]);
    // the refused batch's element did not go in: a batch is atomic
    const listed = spawnSync('ip', ['netns', 'exec', ns.name, 'nft', 'list', 'set', 'ip', 'kts_port', 'vips'], { encoding: 'utf8' }).stdout;
    expect(listed).not.toContain('10.99.0.1');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

/**
 * The real FirewallPort: each batch is one `nft -j -f FILE` run (/usr/sbin/nft, fixed argv, no shell), as
 * keepalived's vrrp_nftables.c sends one netlink batch (nft_start_batch / nft_end_batch): nft applies a file
 * atomically, so a batch either goes in whole or not at all. The JSON goes through a 0600 file in a fresh
 * 0700 directory under TMPDIR, removed after the run: nft cannot read /dev/stdin when it is Node's socket
 * pair, and an argv word is limited to 128 KiB. Output is bounded and a run that hangs is killed.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NftCommand } from '../vrrp/firewall/commands.js';
import type { FirewallPort, NftTable } from '../vrrp/ports.js';

export const NFT_BINARY = '/usr/sbin/nft';
/** nft says little; a listing of keepalived's tables is a few KiB. */
const MAX_OUTPUT = 256 * 1024;
const TIMEOUT_MS = 10_000;

interface NftRun {
  readonly stdout: string;
}

/** `shown`: the command as the error message names it (the batch file is gone by then). */
function runNft(args: readonly string[], what: string, shown = args.join(' ')): Promise<NftRun> {
  return new Promise((resolve, reject) => {
    execFile(
      NFT_BINARY,
      args,
      { encoding: 'utf8', maxBuffer: MAX_OUTPUT, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout });
        const said = stderr.trim().split('\n').slice(0, 4).join(' / ') || error.message;
        reject(new Error(`nftables: ${what} failed (${NFT_BINARY} ${shown}): ${said}`));
      },
    );
  });
}

/** A short name for a batch in an error message: its first commands. */
function describe(commands: readonly NftCommand[]): string {
  const words = commands.slice(0, 3).map((c) => {
    const [verb, object] = 'add' in c ? ['add', c.add] : ['delete', c.delete];
    const [kind, body] = Object.entries(object)[0] ?? ['?', {}];
    return `${verb} ${kind} ${String(body['family'] ?? '')} ${String(body['name'] ?? body['chain'] ?? '')}`.trim();
  });
  return `batch of ${commands.length} (${words.join(', ')}${commands.length > 3 ? ', …' : ''})`;
}

export const nftFirewall: FirewallPort = {
  async apply(commands) {
    if (!commands.length) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepalived-ts-nft-'));
    try {
      const file = path.join(dir, 'batch.json');
      fs.writeFileSync(file, JSON.stringify({ nftables: commands }), { mode: 0o600, flag: 'wx' });
      await runNft(['-j', '-f', file], describe(commands), '-j -f <batch>');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  async tables() {
    const { stdout } = await runNft(['-j', 'list', 'tables'], 'listing the tables');
    const parsed = JSON.parse(stdout) as { nftables?: readonly Record<string, { family?: unknown; name?: unknown }>[] };
    const out: NftTable[] = [];
    for (const o of parsed.nftables ?? []) {
      const t = o['table'];
      if (t && typeof t.family === 'string' && typeof t.name === 'string') out.push({ family: t.family, name: t.name });
    }
    return out;
  },
};

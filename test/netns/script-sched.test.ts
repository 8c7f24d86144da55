/**
 * Scripts start without the VRRP child's scheduling, as keepalived's system_call_script resets it in the forked
 * child before exec (reset_process_priorities, lib/process.c): keepalived 2.2.7 and keepalived-ts run the same
 * configuration side by side and a vrrp_script writes the policy, nice value, real-time priority and
 * RLIMIT_RTTIME (soft, hard) the kernel shows for it, and that it has none of the variables the children are
 * started with: LD_PRELOAD (madvise_locked), MALLOC_ARENA_MAX and KEEPALIVED_TS_MEMORY_TUNED (memory-tuning.ts),
 * while the daemon's own processes do run with those memory settings. Two configurations: SCHED_RR with
 * vrrp_rlimit_rttime, and a negative vrrp_priority (nice).
 * Needs `npm run build`; needs /usr/sbin/keepalived.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 94;
const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;

/** Writes "policy nice rt_priority rttime-soft rttime-hard LD_PRELOAD MALLOC_ARENA_MAX KEEPALIVED_TS_MEMORY_TUNED" of its own process to $1 (none: unset). */
const PROBE = `#!/bin/sh
{
  sed 's/.*) //' /proc/$$/stat | cut -d' ' -f39,17,38 | awk '{print $3, $1, $2}'
  awk '/realtime timeout/ {print $4, $5}' /proc/$$/limits
  echo "\${LD_PRELOAD:-none} \${MALLOC_ARENA_MAX:-none} \${KEEPALIVED_TS_MEMORY_TUNED:-none}"
} | tr '\\n' ' ' > "$1.tmp" && mv "$1.tmp" "$1"
`;

const config = (globals: string, probe: string, out: string): string => `global_defs {
${globals}
}
vrrp_script probe {
  script "${probe} ${out}"
  interval 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 94
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.99.${SUBNET}.100/24
  }
  track_script {
    probe
  }
}
`;

describe.skipIf(!requireNetnsOrSkip() || !haveKeepalived)("scripts start without the VRRP child's scheduling, beside keepalived 2.2.7", () => {
  let dir: string;
  let probe: string;
  let lab: Lab | undefined;

  beforeAll(() => {
    dir = tempDir('script-sched');
    probe = path.join(dir, 'probe.sh');
    fs.writeFileSync(probe, PROBE, { mode: 0o755 });
  });

  afterEach(async () => {
    await lab?.close();
    lab = undefined;
  });

  /** What the probe saw under keepalived and under keepalived-ts, once both have run it. */
  const seenBy = async (globals: string): Promise<{ keepalived: string; kats: string; katsPidFiles: Running['pidFiles'] }> => {
    lab = new Lab(SUBNET, tempDir('script-sched-lab'));
    const out = { keepalived: path.join(dir, `ka-${Date.now()}`), kats: path.join(dir, `kats-${Date.now()}`) };
    const keepalived = lab.start(lab.addNode(1), 'keepalived', config(globals, probe, out.keepalived));
    const kats = lab.start(lab.addNode(2), 'kats', config(globals, probe, out.kats));
    const read = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '');
    await waitFor('both probes ran', () => read(out.keepalived) !== '' && read(out.kats) !== '', 20_000, () =>
      [keepalived, kats].map((r) => `--- ${r.daemon}\n${r.lines.slice(-20).join('\n')}`).join('\n'),
    );
    return { keepalived: read(out.keepalived), kats: read(out.kats), katsPidFiles: kats.pidFiles };
  };

  it('under vrrp_rt_priority and vrrp_rlimit_rttime: SCHED_OTHER, and RLIMIT_RTTIME as keepalived leaves it', async () => {
    const seen = await seenBy('  vrrp_rt_priority 10\n  vrrp_rlimit_rttime 1000000');
    expect(seen.kats).toBe(seen.keepalived);
    expect(seen.keepalived).toBe('0 0 0 0 0 none none none');
  });

  it('under a negative vrrp_priority: the nice value the daemon started with', async () => {
    const seen = await seenBy('  vrrp_priority -5');
    expect(seen.kats).toBe(seen.keepalived);
    expect(seen.keepalived).toBe('0 0 0 unlimited unlimited none none none');
  });

  it('while the parent and its VRRP child themselves run with one malloc arena and V8\'s memory flags', async () => {
    const { katsPidFiles } = await seenBy('  vrrp_priority -5');
    for (const pidFile of [katsPidFiles.main, katsPidFiles.vrrp]) {
      const pid = fs.readFileSync(pidFile, 'utf8').trim();
      // what the process was executed with: the variables are out of its environment since, not out of this copy
      expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), pidFile).toEqual(expect.arrayContaining(['--max-semi-space-size=1', '--no-flush-bytecode']));
      expect(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0'), pidFile).toContain('MALLOC_ARENA_MAX=1');
    }
  });
});

import { configDefaults, defineConfig } from 'vitest/config';

/**
 * netns files that run alone: timed against the daemons' timers (takeover bounds, late wake-ups, floods), setting
 * scheduling, or starting daemons from the root namespace; in a trial with every file two at a time auto-priority
 * failed, and keepalived said "daemon is already running" in syslog and sync-daemon-no-ipvs; proc-events-overrun
 * listens on the machine's one process connector, which other files' daemons and their scripts share (it once did not
 * hear a child's exit within 20 s after an overrun, beside another file under Node 26). The other netns files each use
 * namespaces of their own and mostly wait on daemon timers: two at a time.
 */
const NETNS_ALONE = [
  'auto-priority',
  'net-namespace',
  'proc-events-overrun',
  'process-sched',
  'script-sched',
  'sync-daemon-no-ipvs',
  'syslog',
  'track-process',
  'vrrp-flood',
  'vrrp-interop',
  'vrrp-interop-v3',
].map((name) => `test/netns/${name}.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    pool: 'forks',
    // netns and vm layers: install what they need or skip them with one line (CI: fail)
    globalSetup: ['test/setup/global-setup.ts'],
    projects: [
      // first, two at a time
      {
        extends: true,
        test: { name: 'netns-side-by-side', include: ['test/netns/**/*.test.ts'], exclude: [...configDefaults.exclude, ...NETNS_ALONE], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      // then the other layers as before (vitest's worker count: one on 2 cores, where a VM uses both)
      { extends: true, test: { name: 'layers', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/netns/**'], sequence: { groupOrder: 1 } } },
      // and the netns files above, one at a time
      { extends: true, test: { name: 'netns-alone', include: NETNS_ALONE, maxWorkers: 1, sequence: { groupOrder: 2 } } },
    ],
  },
});

/**
 * virtual_routes and virtual_rules through the runner (fake kernel:
 * lab/fakes/routes.ts): set with the VIPs on becoming MASTER, routes before
 * rules; cleared before the VIPs on leaving, rules before routes; a refused
 * add is not deleted later; at start the rules a previous run left are
 * cleared; a SIGHUP replaces kept routes, deletes dropped entries and adds
 * every route again (vrrp.c, vrrp_iproute.c, vrrp_iprule.c).
 */
import { describe, expect, it } from 'vitest';
import { parseText } from '../config/vrrp-helpers.js';
import { vrrpSettingsFromConfig, type VrrpRunSettings } from '../../../src/vrrp/settings/from-config.js';
import { Lan, Node } from './runner-world.js';

const S = 1_000_000;
/** The two routes and two rules as the fake kernel names them. */
const [R1, R2, U1, U2] = [
  'route prepend 10.1.0.0/24 via inet 10.0.0.254 dev eth0 proto 18',
  'route prepend 10.2.0.0/24 dev eth0 proto 18 metric 7',
  'rule from 10.0.0.100 priority 100 tos 0x0 protocol 18 lookup 100',
  'rule from all to 10.3.0.0/24 priority 101 tos 0x0 protocol 18 lookup 100',
];
const R4 = 'route prepend 10.4.0.0/24 dev eth0 proto 18';

const ROUTES = ' virtual_routes {\n  10.1.0.0/24 via 10.0.0.254 dev eth0\n  10.2.0.0/24 dev eth0 metric 7\n }\n';
const RULES = ' virtual_rules {\n  from 10.0.0.100 table 100 priority 100\n  to 10.3.0.0/24 table 100 priority 101\n }\n';

function settings(priority: number, extra: string): VrrpRunSettings {
  const parsed = parseText(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${priority}\n advert_int 1\n virtual_ipaddress {\n  10.0.0.100/24\n }\n${extra}}\n`);
  expect(parsed.exitCode).toBe(0);
  return vrrpSettingsFromConfig(parsed.result.config);
}

/** Until the fake kernel's answers and every change chained on them have run (all pending promise jobs). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function masterAndBackup(extra = ROUTES + RULES): { lan: Lan; a: Node; b: Node } {
  const lan = new Lan();
  const a = new Node(lan, 'n1', '10.0.0.1', 'fe80::1', settings(150, extra));
  const b = new Node(lan, 'n2', '10.0.0.2', 'fe80::2', settings(100, extra));
  return { lan, a, b };
}

describe('VrrpRunner: virtual routes and rules', () => {
  it('clears leftover rules at start, sets routes then rules after the VIPs as MASTER, clears rules then routes before the VIPs on leaving', async () => {
    const { lan, a } = masterAndBackup();
    a.runner.start();
    await settle();
    // a previous run's rules go (none here: ENOENT, not logged); routes were never set
    expect(a.kernel).toEqual([`delete ${U1}`, `delete ${U2}`, 'remove 10.0.0.100']);
    // keepalived's -D lines: start-up clean-up, then vrrp_init_state's (which finds nothing set)
    const removing = ['(VI_1) removing Virtual Rules', '(VI_1) removing Virtual Routes'];
    expect(a.lines.filter((l) => /Virtual R|Entering/.test(l))).toEqual([...removing, ...removing, '(VI_1) Entering BACKUP STATE (init)']);
    a.kernel.length = 0;
    lan.clock.advance(5 * S);
    await settle();
    expect(a.state()).toBe('MASTER');
    expect(a.kernel).toEqual(['add 10.0.0.100', `add ${R1}`, `add ${R2}`, `add ${U1}`, `add ${U2}`]);
    expect(a.routes.routes.size).toBe(2);
    expect(a.routes.rules.size).toBe(2);
    a.kernel.length = 0;
    await a.runner.stop();
    expect(a.kernel).toEqual([`delete ${U1}`, `delete ${U2}`, `delete ${R1}`, `delete ${R2}`, 'remove 10.0.0.100']);
    expect(a.routes.routes.size).toBe(0);
    expect(a.routes.rules.size).toBe(0);
    expect(a.lines.filter((l) => l.includes('Netlink'))).toEqual([]);
  });

  it('a BACKUP sets nothing; a stronger peer makes the MASTER clear them', async () => {
    const { lan, a, b } = masterAndBackup();
    b.runner.start();
    lan.clock.advance(5 * S);
    await settle();
    expect(b.state()).toBe('MASTER');
    a.runner.start();
    lan.clock.advance(5 * S);
    await settle();
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    expect(a.routes.routes.size).toBe(2);
    expect(b.routes.routes.size).toBe(0);
    expect(b.routes.rules.size).toBe(0);
    expect(b.lines).toContain('(VI_1) removing Virtual Rules');
  });

  it('a route the kernel refused is not set, so it is not deleted on leaving; the refusal is logged', async () => {
    const { lan, a } = masterAndBackup(ROUTES);
    a.runner.start();
    a.routes.refuse('EINVAL');
    lan.clock.advance(5 * S);
    await settle();
    expect(a.lines).toContain('Netlink: error: Invalid argument(22), type=RTM_NEWROUTE(24)');
    a.kernel.length = 0;
    await a.runner.stop();
    expect(a.kernel).toEqual([`delete ${R2}`, 'remove 10.0.0.100']);
  });

  it('a SIGHUP while MASTER deletes dropped entries, replaces kept routes and adds every route again', async () => {
    const { lan, a } = masterAndBackup();
    a.runner.start();
    lan.clock.advance(5 * S);
    await settle();
    a.kernel.length = 0;
    const next = settings(150, ' virtual_routes {\n  10.2.0.0/24 dev eth0 metric 7\n  10.4.0.0/24 dev eth0\n }\n virtual_rules {\n  from 10.0.0.100 table 100 priority 100\n }\n');
    a.reload(next);
    await settle();
    expect(a.kernel).toEqual([
      `delete ${U2}`,
      `delete ${R1}`,
      `replace ${R2}`,
      `add ${R2}`,
      `add ${R4}`,
    ]);
    a.kernel.length = 0;
    await a.runner.stop();
    expect(a.kernel).toEqual([`delete ${U1}`, `delete ${R2}`, `delete ${R4}`, 'remove 10.0.0.100']);
  });

  it('an address owner, MASTER at once while its start-up clean-up awaits the kernel, keeps its VIPs: each change waits for the one before', async () => {
    const lan = new Lan();
    const a = new Node(lan, 'n1', '10.0.0.1', 'fe80::1', settings(255, RULES));
    a.routes.hold();
    a.runner.start();
    lan.clock.advance(S);
    expect(a.state()).toBe('MASTER');
    a.routes.release();
    await settle();
    expect(a.kernel).toEqual([`delete ${U1}`, `delete ${U2}`, 'remove 10.0.0.100', 'add 10.0.0.100', `add ${U1}`, `add ${U2}`]);
    expect([...a.vips]).toEqual(['10.0.0.100']);
  });
});

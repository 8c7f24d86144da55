/**
 * Pools: unit cases for the start-up rules, and a property test against a
 * replay of the commands keepalived sends (ipvs_cmd and its inhibit / `set`
 * rules, applied as the kernel would with EEXIST and ENOENT tolerated): the
 * table derived from the pool state always equals what those commands leave.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyHealth, desiredTable, realServerId, startCheckers } from '../../../src/check/desired.js';
import { setAlive, setWeight, startPool, stopPool, type PoolState } from '../../../src/check/pool.js';
import { stepQuorum } from '../../../src/check/quorum.js';
import type { CheckConfig, VirtualServer } from '../../../src/config/check/index.js';
import { renderIpvsadm } from '../../../lab/ipvsadm.js';
import { parseText } from '../config/check-helpers.js';

function config(text: string): CheckConfig {
  const r = parseText(`global_defs {\n script_user root\n enable_script_security\n}\n${text}`);
  expect(r.messages).toEqual([]);
  return r.config.check;
}

const rs = (n: number, weight: number, extra = ''): string => `real_server 10.0.0.${n} 80 {\n weight ${weight}\n ${extra}\n TCP_CHECK {\n }\n}`;
const vs = (body: string): string => `virtual_server 10.0.0.100 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n${body}\n}\n`;
const msgs = (events: readonly { msg?: string }[]): string[] => events.flatMap((e) => (e.msg ? [e.msg] : []));

describe('start-up', () => {
  it('alpha: real servers wait for their first success; a sorry server stands in meanwhile', () => {
    const c = config(vs(`alpha\n sorry_server 10.0.0.9 80\n${rs(1, 1)}\n${rs(2, 1)}`));
    const start = startCheckers(c);
    expect(msgs(start.events)).toEqual([
      'Starting with quorum down 1-0=1 > 0 for VS [10.0.0.100]:tcp:80',
      'Adding sorry server [10.0.0.9]:tcp:80 to VS [10.0.0.100]:tcp:80',
      'Removing alive servers from the pool for VS [10.0.0.100]:tcp:80',
    ]);
    expect(renderIpvsadm(desiredTable(c, start.state))).toBe('-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.9:80 -m -w 1\n');
    const up = applyHealth(c, start.state, new Map([[realServerId(c.virtualServers[0]!, c.virtualServers[0]!.realServers[1]!), true]]));
    expect(msgs(up.events)).toEqual([
      'Adding service [10.0.0.2]:tcp:80 to VS [10.0.0.100]:tcp:80',
      'Gained quorum 1+0=1 <= 1 for VS [10.0.0.100]:tcp:80',
      'Removing sorry server [10.0.0.9]:tcp:80 from VS [10.0.0.100]:tcp:80',
      'Adding alive servers to the pool for VS [10.0.0.100]:tcp:80',
    ]);
    expect(renderIpvsadm(desiredTable(c, up.state))).toBe('-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.2:80 -m -w 1\n');
  });

  it('alpha with inhibit_on_failure: real servers start in at weight 0; sorry_server_inhibit keeps the sorry server at 0', () => {
    const c = config(vs(`alpha\n inhibit_on_failure\n sorry_server 10.0.0.9 80\n sorry_server_inhibit\n${rs(1, 3)}`));
    const start = startCheckers(c);
    expect(msgs(start.events)[1]).toBe('Enabling sorry server [10.0.0.9]:tcp:80 to VS [10.0.0.100]:tcp:80');
    expect(renderIpvsadm(desiredTable(c, start.state))).toBe(
      '-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.1:80 -m -w 0\n-a -t 10.0.0.100:80 -r 10.0.0.9:80 -m -w 1\n',
    );
    const up = setAlive(c.virtualServers[0]!, start.state[0]!, 0, true);
    expect(msgs(up.events)).toContain('Disabling sorry server [10.0.0.9]:tcp:80 from VS [10.0.0.100]:tcp:80');
    expect(renderIpvsadm(desiredTable(c, [up.state]))).toBe(
      '-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.1:80 -m -w 3\n-a -t 10.0.0.100:80 -r 10.0.0.9:80 -m -w 0\n',
    );
  });

  it('quorum events carry the notify scripts', () => {
    const c = config(vs(`quorum 2\n quorum_up /bin/true up\n quorum_down /bin/true down\n${rs(1, 1)}\n${rs(2, 1)}`));
    const v = c.virtualServers[0]!;
    const start = startPool(v);
    expect(start.events).toMatchObject([{ type: 'quorum', up: true, init: true, script: v.quorumUp }]);
    const down = setAlive(v, start.state, 0, false);
    expect(down.events).toMatchObject([
      { type: 'real-server', alive: false, msg: 'Removing service [10.0.0.1]:tcp:80 from VS [10.0.0.100]:tcp:80' },
      { type: 'quorum', up: false, init: false, msg: 'Lost quorum 2-0=2 > 1 for VS [10.0.0.100]:tcp:80', script: v.quorumDown },
    ]);
  });

  it('weight changes count towards quorum and are logged as keepalived does', () => {
    const c = config(vs(`quorum 5\n${rs(1, 5)}`));
    const v = c.virtualServers[0]!;
    const step = setWeight(v, startPool(v).state, 0, 2);
    expect(msgs(step.events)).toEqual([
      'Changing weight from 5 to 2 for active service [10.0.0.1]:tcp:80 of VS [10.0.0.100]:tcp:80',
      'Lost quorum 5-0=5 > 2 for VS [10.0.0.100]:tcp:80',
    ]);
    expect(renderIpvsadm(desiredTable(c, [step.state]))).toContain('-r 10.0.0.1:80 -m -w 2');
  });

  it('omega: shutting down runs the down notifies of servers in the pool, then quorum down', () => {
    const c = config(vs(`omega\n quorum_down /bin/true qd\n${rs(1, 1, 'notify_down "/bin/true d1"')}\n${rs(2, 1)}`));
    const v = c.virtualServers[0]!;
    const { state } = setAlive(v, startPool(v).state, 1, false);
    expect(stopPool(v, state)).toMatchObject([
      { type: 'log', msg: 'Shutting down service [10.0.0.1]:tcp:80 from VS [10.0.0.100]:tcp:80' },
      { type: 'real-server', alive: false, script: v.realServers[0]!.notifyDown },
      { type: 'log', msg: 'Shutting down service [10.0.0.2]:tcp:80 from VS [10.0.0.100]:tcp:80' },
      { type: 'quorum', up: false, script: v.quorumDown },
    ]);
  });
});

// ---- the command replay ----

interface Who {
  readonly key: string;
  readonly inhibit: boolean;
  readonly weight: number;
}

/** keepalived's view of one server in the kernel, and the kernel's destinations (key → weight). */
interface Replay {
  readonly kernel: Map<string, number>;
  readonly set: Map<Who, boolean>;
}

/** ipvs_cmd for a destination: inhibit turns removal into weight 0 and re-adding into an edit. */
function command(r: Replay, cmd: 'add' | 'del', who: Who, failed: boolean): void {
  const set = r.set.get(who) ?? false;
  if (cmd === 'del' && who.inhibit) r.kernel.set(who.key, 0);
  else if (cmd === 'add' && who.inhibit && set) r.kernel.set(who.key, who.weight);
  else if (cmd === 'add') {
    if (!set) r.set.set(who, true);
    if (!r.kernel.has(who.key)) r.kernel.set(who.key, !set && who.inhibit && failed ? 0 : who.weight);
  } else {
    if (set) r.set.set(who, false);
    r.kernel.delete(who.key);
  }
}

function replay(v: VirtualServer, initial: readonly boolean[], changes: readonly [number, boolean][]): Map<string, number> {
  const r: Replay = { kernel: new Map(), set: new Map() };
  const servers: Who[] = v.realServers.map((s) => ({ key: s.addr.address, inhibit: s.inhibitOnFailure, weight: s.weight }));
  const sorry: Who | undefined = v.sorryServer && { key: v.sorryServer.addr.address, inhibit: v.sorryServer.inhibit, weight: 1 };
  const alive = [...initial];
  let up = false;
  let sorryAlive = false;
  const sum = (): number => alive.reduce((n, a, i) => (a ? n + servers[i]!.weight : n), 0);
  const quorum = (init: boolean): void => {
    const step = stepQuorum(v, up, sum());
    if (step.changed && step.up) {
      up = true;
      if (sorry && sorryAlive) {
        command(r, 'del', sorry, false);
        sorryAlive = false;
        servers.forEach((s, i) => alive[i] && command(r, 'add', s, false));
      }
    } else if (step.changed || (init && !up && sorry && !sorryAlive)) {
      up = false;
      if (sorry && !sorryAlive) {
        servers.forEach((s, i) => alive[i] && command(r, 'del', s, false));
        command(r, 'add', sorry, false);
        sorryAlive = true;
      }
    }
  };
  servers.forEach((s, i) => (alive[i] || s.inhibit) && command(r, 'add', s, !alive[i]));
  quorum(true);
  if (sorry?.inhibit && !r.set.get(sorry)) {
    if (v.sorryServer!.duplicatesRealServer) r.set.set(sorry, true);
    else command(r, 'add', sorry, true);
  }
  for (const [i, a] of changes) {
    if (alive[i] === a) continue;
    if (up || !sorry || !sorryAlive) command(r, a ? 'add' : 'del', servers[i]!, false);
    alive[i] = a;
    quorum(false);
  }
  return r.kernel;
}

const scenario = fc.record({
  weights: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
  quorum: fc.integer({ min: 1, max: 8 }),
  hysteresis: fc.integer({ min: 0, max: 3 }),
  inhibit: fc.boolean(),
  alpha: fc.boolean(),
  sorry: fc.constantFrom('none', 'own', 'duplicate'),
  sorryInhibit: fc.boolean(),
  changes: fc.array(fc.tuple(fc.nat(3), fc.boolean()), { maxLength: 25 }),
});

describe('the table derived from pool state equals what keepalived\'s commands leave', () => {
  it('for random pools and health sequences', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const sorryAt = s.sorry === 'own' ? 9 : 1;
        const head = [
          `quorum ${s.quorum}`,
          `hysteresis ${s.hysteresis}`,
          s.inhibit ? 'inhibit_on_failure' : '',
          s.alpha ? 'alpha' : '',
          s.sorry !== 'none' ? `sorry_server 10.0.0.${sorryAt} 80` : '',
          s.sorry !== 'none' && s.sorryInhibit ? 'sorry_server_inhibit' : '',
        ];
        const c = parseText(vs([...head, ...s.weights.map((w, i) => rs(i + 1, w))].join('\n'))).config.check;
        const v = c.virtualServers[0]!;
        const changes = s.changes.filter(([i]) => i < s.weights.length);
        let step = startPool(v);
        const initial = step.state.alive;
        for (const [i, a] of changes) step = setAlive(v, step.state, i, a);
        expect(step.state.sorryActive && step.state.quorumUp).toBe(false);
        const ours = new Map(desiredTable(c, [step.state as PoolState])[0]!.destinations.map((d) => [d.address, d.weight]));
        const theirs = new Map([...replay(v, initial, changes)].map(([k, w]) => [`10.0.0.${k.split('.')[3]}`, w]));
        expect(Object.fromEntries([...ours].sort())).toEqual(Object.fromEntries([...theirs].sort()));
      }),
      { numRuns: 500 },
    );
  });
});

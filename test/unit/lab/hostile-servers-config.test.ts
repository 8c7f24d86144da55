import { describe, expect, it } from 'vitest';
import { HOSTILE_BASE_PORT, HOSTILE_MODES, hostileConfig, hostileServer, virtualServerOf } from '../../../lab/hostile-servers-config.js';
import { fakeSystem, parseText } from '../config/check-helpers.js';

const withVrrpLink = { ...fakeSystem(), interfaceExists: (n: string) => ['lo', 'vr0'].includes(n) };

describe('the hostile-real-servers configuration (soak case 4)', () => {
  it('reads without a word: one virtual server per behaviour, each real server on its behaviour\'s port', () => {
    const parsed = parseText(hostileConfig(1000), withVrrpLink);
    expect(parsed.messages).toEqual([]);
    const vss = parsed.config.check.virtualServers;
    expect(vss.map((v) => v.name)).toEqual(HOSTILE_MODES.map((m) => `[${virtualServerOf(m)}]:tcp:80`));
    expect(vss.reduce((n, v) => n + v.realServers.length, 0)).toBe(1000);
    HOSTILE_MODES.forEach((mode, k) => {
      const servers = vss[k]!.realServers;
      expect(new Set(servers.map((rs) => rs.addr.port))).toEqual(new Set([HOSTILE_BASE_PORT + k]));
      const types = new Set(servers.flatMap((rs) => rs.checkers.map((c) => c.type)));
      expect([mode, [...types]]).toEqual([mode, [mode === 'flap' ? 'TCP_CHECK' : mode === 'tls' ? 'SSL_GET' : 'HTTP_GET']]);
    });
  });
  it('gives 1,000 real servers distinct addresses, and no more', () => {
    const addresses = new Set(Array.from({ length: 1000 }, (_, i) => hostileServer(i).address));
    expect(addresses.size).toBe(1000);
    expect(() => hostileServer(1000)).toThrow(/outside/);
  });
  it('leaves out the virtual servers of behaviours too few real servers reach', () => {
    expect(parseText(hostileConfig(3), withVrrpLink).config.check.virtualServers).toHaveLength(3);
  });
});

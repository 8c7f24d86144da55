import { describe, expect, it } from 'vitest';
import { ConfigErr } from '../../../src/config/diagnostics.js';
import { parseText } from './parse-text.js';

describe('keywords keepalived-ts reads but does not act on', () => {
  it('are kept in the model and named by -t without changing the exit code', () => {
    const r = parseText('global_defs {\n  enable_snmp_vrrp\n  router_id lb1\n}\n');
    expect(r.exitCode).toBe(0);
    expect(r.diagnostics).toEqual([]);
    expect(r.notices).toEqual([
      expect.objectContaining({ cls: ConfigErr.Ok, message: "'enable_snmp_vrrp' is read but not acted on by keepalived-ts: SNMP (AgentX) is not provided; --metrics-listen serves Prometheus metrics instead" }),
    ]);
    expect(r.notices[0]?.loc?.line).toBe(2);
  });
  it('say nothing about keywords we act on', () => {
    expect(parseText('global_defs {\n  router_id lb1\n}\n').notices).toEqual([]);
  });
  it('name use_ipvlan but no longer use_vmac or vmac_xmit_base', () => {
    const instance = (line: string): string =>
      `vrrp_instance VI {\n  interface lo\n  virtual_router_id 5\n  ${line}\n  virtual_ipaddress {\n    10.99.0.5/24\n  }\n}\n`;
    expect(parseText(instance('use_vmac\n  vmac_xmit_base')).notices).toEqual([]);
    expect(parseText(instance('use_ipvlan')).notices.map((n) => n.message)).toEqual(["'use_ipvlan' is read but not acted on by keepalived-ts: ipvlan interfaces are not created"]);
  });
});

import { describe, expect, it } from 'vitest';
import { IpvsSync } from '../../../src/check/ipvs-sync.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { CheckMetrics, type RealServerSource } from '../../../src/observe/check-metrics.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { checkTarget } from '../check/check-target.js';
import { parseText } from '../config/check-helpers.js';
import { FakeClock } from '../../../lab/fakes/clock.js';
import { sampleValue } from './metrics-text.js';

const VS = '[10.0.0.1]:tcp:80';

describe('checker metrics', () => {
  it('export each real server as the source has it, read at every scrape', async () => {
    let servers: RealServerSource[] = [
      { vs: VS, rs: '[10.0.1.2]:tcp:80', alive: true, weight: 3 },
      { vs: VS, rs: '[10.0.1.3]:tcp:80', alive: false, weight: 1 },
    ];
    const metrics = new CheckMetrics(() => servers, { nowUs: () => 0 });
    let text = await metrics.metrics();
    expect(sampleValue(text, 'keepalived_ts_real_server_up', { vs: VS, rs: '[10.0.1.2]:tcp:80' })).toBe(1);
    expect(sampleValue(text, 'keepalived_ts_real_server_up', { vs: VS, rs: '[10.0.1.3]:tcp:80' })).toBe(0);
    expect(sampleValue(text, 'keepalived_ts_real_server_weight', { vs: VS, rs: '[10.0.1.2]:tcp:80' })).toBe(3);
    servers = [{ vs: VS, rs: '[10.0.1.3]:tcp:80', alive: true, weight: 1 }];
    text = await metrics.metrics();
    expect(sampleValue(text, 'keepalived_ts_real_server_up', { vs: VS, rs: '[10.0.1.3]:tcp:80' })).toBe(1);
    // a server gone from the configuration is gone from the scrape
    expect(sampleValue(text, 'keepalived_ts_real_server_up', { vs: VS, rs: '[10.0.1.2]:tcp:80' })).toBeUndefined();
  });

  it('time each probe attempt by checker type and count its result', async () => {
    const clock = new FakeClock();
    const metrics = new CheckMetrics(() => [], clock);
    const probe = metrics.timed(async (target) => {
      clock.advance(target.checker.type === 'TCP_CHECK' ? 3_000 : 2_000_000);
      return { ok: target.checker.type === 'TCP_CHECK' };
    });
    const tcp = checkTarget('TCP_CHECK {\n connect_timeout 3\n }');
    const http = checkTarget('HTTP_GET {\n url {\n path /\n status_code 200\n }\n }');
    await probe(tcp, new AbortController().signal);
    await probe(tcp, new AbortController().signal);
    expect((await probe(http, new AbortController().signal)).ok).toBe(false);
    const text = await metrics.metrics();
    expect(sampleValue(text, 'keepalived_ts_check_duration_seconds_count', { type: 'TCP_CHECK' })).toBe(2);
    expect(sampleValue(text, 'keepalived_ts_check_duration_seconds_sum', { type: 'TCP_CHECK' })).toBeCloseTo(0.006, 6);
    expect(sampleValue(text, 'keepalived_ts_check_duration_seconds_bucket', { type: 'TCP_CHECK', le: '0.0025' })).toBe(0);
    expect(sampleValue(text, 'keepalived_ts_check_duration_seconds_bucket', { type: 'TCP_CHECK', le: '0.005' })).toBe(2);
    expect(sampleValue(text, 'keepalived_ts_check_duration_seconds_bucket', { type: 'HTTP_GET', le: '1' })).toBe(0);
    expect(sampleValue(text, 'keepalived_ts_check_duration_seconds_bucket', { type: 'HTTP_GET', le: '2.5' })).toBe(1);
    expect(sampleValue(text, 'keepalived_ts_check_attempts_total', { type: 'TCP_CHECK', result: 'success' })).toBe(2);
    expect(sampleValue(text, 'keepalived_ts_check_attempts_total', { type: 'HTTP_GET', result: 'failure' })).toBe(1);
  });

  it('count the IPVS operations the IPVS sync sends through the port, and those the kernel refuses', async () => {
    const parsed = parseText(
      'virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.1.2 80 {\n  TCP_CHECK {\n  }\n }\n real_server 10.0.1.3 80 {\n  TCP_CHECK {\n  }\n }\n}\n',
    );
    let refuseDest = true;
    const { port } = fakeIpvsPort({ refuse: (req) => (req.cmd === 'NEW_DEST' && refuseDest && req.dest.address === '10.0.1.3' ? 'ENOMEM' : undefined) });
    const metrics = new CheckMetrics(() => [], { nowUs: () => 0 });
    const clock = new FakeClock();
    const sync = new IpvsSync(parsed.config.check, {
      ipvs: metrics.counted(port),
      clock,
      log: fakeLogger().log,
      notify: () => undefined,
      fifo: () => undefined,
    });
    const report = await sync.start();
    expect(report.failures).toHaveLength(1);
    let text = await metrics.metrics();
    expect(sampleValue(text, 'keepalived_ts_ipvs_operations_total', { op: 'add-service' })).toBe(1);
    expect(sampleValue(text, 'keepalived_ts_ipvs_operations_total', { op: 'add-dest' })).toBe(2);
    expect(sampleValue(text, 'keepalived_ts_ipvs_errors_total', { op: 'add-dest' })).toBe(1);
    // the IPVS sync retries from a fresh dump 5 s later: the destination goes in
    refuseDest = false;
    clock.advance(5_000_000);
    await sync.health(new Map());
    text = await metrics.metrics();
    expect(sampleValue(text, 'keepalived_ts_ipvs_operations_total', { op: 'add-dest' })).toBe(3);
    expect(sampleValue(text, 'keepalived_ts_ipvs_errors_total', { op: 'add-dest' })).toBe(1);
    expect(sync.opsSent).toBe(4);
  });
});

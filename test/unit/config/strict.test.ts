/**
 * vrrp_strict and strict_mode at config time (keepalived's vrrp_complete_instance): each file in
 * test/fixtures/strict/ read as `-t` reads it, against what keepalived 2.2.7's `-t` printed for it on a host
 * with eth0 (recorded beside the file). keepalived names a line only for errors found while reading, ours
 * for every message: the comparison is of the messages without that prefix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepalivedText } from '../../../src/config/diagnostics.js';
import { fakeHost } from './fake-host.js';
import { parseConfigText } from './parse-text.js';

const DIR = path.resolve(import.meta.dirname, '../../fixtures/strict');
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith('.conf')).sort();

/** A message without keepalived's "(file: Line N) " or "(Line N) " prefix. */
const withoutLine = (text: string): string => text.replace(/^\((?:[^():]+: )?Line \d+\) /, '');

function recorded(file: string): { messages: string[]; exitCode: number } {
  const base = path.join(DIR, file.replace(/\.conf$/, ''));
  const text = fs.readFileSync(`${base}.keepalived.txt`, 'utf8');
  return { messages: text.split('\n').filter(Boolean).map(withoutLine), exitCode: Number(fs.readFileSync(`${base}.keepalived.rc`, 'utf8')) };
}

function ours(file: string): { messages: string[]; exitCode: number } {
  const r = parseConfigText(fs.readFileSync(path.join(DIR, file), 'utf8'), fakeHost({ interfaces: ['lo', 'eth0'] }));
  return { messages: r.diagnostics.map((d) => withoutLine(keepalivedText(d))), exitCode: r.exitCode };
}

describe('strict mode as keepalived -t reports it', () => {
  it('has fixtures', () => expect(FILES.length).toBeGreaterThanOrEqual(4));

  it.each(FILES)('%s: the same messages, in order, and the same exit code', (file) => {
    expect(ours(file)).toEqual(recorded(file));
  });
});

describe('what strict mode leaves in the model', () => {
  const instances = (file: string) => parseConfigText(fs.readFileSync(path.join(DIR, file), 'utf8'), fakeHost()).config.vrrp.instances;

  it('clears every override keepalived resets, and accept for a VRRPv2 non-owner', () => {
    const v = instances('overrides.conf')[0]!;
    expect(v.auth).toBeUndefined();
    expect(v).toMatchObject({
      state: 'BACKUP',
      preemptDelay: 0,
      downTimerAdverts: 3,
      accept: false,
      garpLowerPrioRepeat: 0,
      lowerPrioNoAdvert: true,
      higherPrioSendAdvert: false,
    });
  });

  it('keeps unicast peers: 2.2.7 tests the unicast flag before setting it, so "not supported in strict mode" never fires', () => {
    const uni = instances('families.conf').find((v) => v.name === 'UNI');
    expect(uni).toMatchObject({ unicast: true, accept: false });
  });

  it('sets VRRPv3 for IPv6, keeps accept for the owner and for a VRRPv3 instance that asks for it', () => {
    const byName = new Map(instances('families.conf').map((v) => [v.name, v]));
    expect(byName.get('V6')).toMatchObject({ version: 3, accept: false, garpLowerPrioDelay: 0 });
    expect(byName.get('V3')).toMatchObject({ version: 3, accept: true });
    expect(byName.get('V3')!.auth).toBeUndefined();
    expect(byName.get('OWN')).toMatchObject({ state: 'MASTER', priority: 255, accept: true });
  });
});

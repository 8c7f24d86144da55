import { describe, expect, it } from 'vitest';
import { reloadVerdict, unchangeableAtReload } from '../../../src/config/reload-check.js';
import { instance, parseText, SCRIPT } from './vrrp-helpers.js';

const verdictOf = (text: string, strict = false) => reloadVerdict(parseText(text).result, { strict });

describe('reloadVerdict (SIGHUP)', () => {
  it('accepts a clean configuration, and one with warnings keepalived reloads despite', () => {
    expect(verdictOf(instance())).toEqual({ accept: true });
    const warned = parseText(instance(' bogus_keyword 1'));
    expect(warned.exitCode).toBe(5);
    expect(reloadVerdict(warned.result)).toEqual({ accept: true });
  });

  it('accepts scripts without enable_script_security (-t exit 6): keepalived runs them', () => {
    const insecure = parseText(instance(` notify_master ${SCRIPT}`));
    expect(insecure.exitCode).toBe(6);
    expect(reloadVerdict(insecure.result)).toEqual({ accept: true });
  });

  it('refuses a keyword without its parameter (keepalived would exit)', () => {
    const v = verdictOf(instance(' priority'));
    expect(v).toMatchObject({ accept: false, reason: 'a keyword is missing its parameter' });
  });

  it('refuses a non-existent interface and a missing file (keepalived fatal classes)', () => {
    const badIf = parseText(instance().replace('interface eth0', 'interface nosuch0'));
    expect(badIf.messages).toContain('Non-existent interface specified in configuration');
    expect(reloadVerdict(badIf.result)).toMatchObject({ accept: false, reason: 'keepalived treats it as fatal' });
  });

  it("refuses unbalanced '{' '}'", () => {
    expect(verdictOf(instance().replace(/}\n$/, ''))).toMatchObject({ accept: false, reason: "its '{' '}' blocks do not match" });
    expect(verdictOf(`${instance()}}\n`)).toMatchObject({ accept: false });
  });

  it('with reload_check_config refuses any non-zero -t exit, as keepalived', () => {
    expect(verdictOf(instance(' bogus_keyword 1'), true)).toMatchObject({ accept: false, reason: 'reload_check_config is set and the check exits 5' });
    expect(verdictOf(instance(), true)).toEqual({ accept: true });
  });
});

describe('what keepalived will not change at a reload', () => {
  const running = { namespace: 'blue', networkNamespaceIpvs: undefined, instanceName: 'lb1' };
  it('is the network namespace, the IPVS one and the instance name, each said in its words', () => {
    expect(unchangeableAtReload(running, running)).toEqual([]);
    expect(unchangeableAtReload(running, { namespace: undefined, networkNamespaceIpvs: '', instanceName: 'lb2' })).toEqual([
      'Cannot change network namespace at a reload - please restart keepalived',
      'Cannot change IPVS network namespace at a reload - please restart keepalived',
      'Cannot change instance name at a reload - please restart keepalived',
    ]);
  });
});

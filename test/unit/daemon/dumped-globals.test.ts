import { describe, expect, it } from 'vitest';
import { dumpedGlobals } from '../../../src/daemon/dumped-globals.js';
import { parseText } from '../config/parse-text.js';

const noScriptUser = { user: () => undefined, uid: 0, gid: 0 };
const withScriptUser = { user: (name: string) => (name === 'keepalived_script' ? { name, uid: 998, gid: 997 } : undefined), uid: 0, gid: 0 };

describe('the global definitions the dumps print', () => {
  it('take -s for net_namespace, the umask in force, and resolve the default script user as get_default_script_user', () => {
    const g = parseText('net_namespace blue\nglobal_defs {\n  umask 0077\n}\n').config.global;
    expect(g.defaultScriptUser).toBeUndefined();
    const dumped = dumpedGlobals({ namespace: 'red', umask: undefined }, g, noScriptUser);
    expect([dumped.networkNamespace, dumped.umask, dumped.defaultScriptUser]).toEqual(['red', 0o77, { uid: 0, gid: 0 }]);
    expect(dumpedGlobals({ namespace: undefined, umask: 0o22 }, g, withScriptUser)).toMatchObject({ networkNamespace: 'blue', umask: 0o22, defaultScriptUser: { uid: 998, gid: 997 } });
  });
  it('print no default script user under script security without keepalived_script', () => {
    const g = parseText('global_defs {\n  enable_script_security\n}\n').config.global;
    expect(dumpedGlobals({ namespace: undefined, umask: undefined }, g, noScriptUser).defaultScriptUser).toBe('unresolvable');
  });
});

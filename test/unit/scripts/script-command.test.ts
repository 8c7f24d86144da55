import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scriptCommand, shellCommandText } from '../../../src/scripts/script-command.js';
import { tempDir } from '../../tmp.js';

const ROOT = { uid: 0, gid: 0 };

function file(dir: string, name: string, text: string, mode = 0o755): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text, { mode });
  fs.chmodSync(p, mode);
  return p;
}

describe('shellCommandText (cmd_str)', () => {
  it('quotes every word, but not a leading redirection', () => {
    expect(shellCommandText(['/x/check', 'a b', ';', 'c'])).toBe("'/x/check' 'a b' ';' 'c'");
    expect(shellCommandText(['</dev/tcp/127.0.0.1/80'])).toBe('</dev/tcp/127.0.0.1/80');
    expect(shellCommandText(['>/tmp/f', 'x'])).toBe(">/tmp/f 'x'");
  });
});

describe('scriptCommand', () => {
  const dir = tempDir('script-command');
  const withShebang = file(dir, 'with-shebang', '#!/bin/sh\nexit 0\n');
  const noShebang = file(dir, 'no-shebang', 'exit 3\n');
  const notExecutable = file(dir, 'not-executable', '#!/bin/sh\n', 0o644);
  const emptyDir = path.join(dir, 'empty');
  fs.mkdirSync(emptyDir);

  it('execs a #! script with its arguments', async () => {
    expect(await scriptCommand([withShebang, 'a;b'], ROOT)).toEqual({ kind: 'exec', file: withShebang, argv: [withShebang, 'a;b'] });
  });

  it('execs an ELF binary', async () => {
    const sh = fs.realpathSync('/bin/sh');
    expect((await scriptCommand([sh], ROOT)).kind).toBe('exec');
  });

  it('runs a file without #! through the shell, as keepalived does without a shebang', async () => {
    expect(await scriptCommand([noShebang, 'x'], ROOT)).toEqual({ kind: 'shell', command: `'${noShebang}' 'x'` });
  });

  it('runs the `</path` file test idiom through the shell', async () => {
    expect(await scriptCommand(['< /etc/hostname'], ROOT)).toEqual({ kind: 'shell', command: '< /etc/hostname' });
  });

  it('reports ENOENT for a missing file and EACCES for one not executable by the script user', async () => {
    expect(await scriptCommand([path.join(dir, 'missing')], ROOT)).toEqual({ kind: 'error', code: 'ENOENT' });
    expect(await scriptCommand([notExecutable], ROOT)).toEqual({ kind: 'error', code: 'EACCES' });
    expect(await scriptCommand([emptyDir], ROOT)).toEqual({ kind: 'error', code: 'EACCES' });
    expect(await scriptCommand([''], ROOT)).toEqual({ kind: 'error', code: 'ENOENT' });
  });
});

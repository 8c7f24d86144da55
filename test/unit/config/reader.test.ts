import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigErr } from '../../../src/config/diagnostics.js';
import { MAX_OPEN_INCLUDES } from '../../../src/config/config-files.js';
import { LineReader } from '../../../src/config/reader.js';
import { hostSystem, type SystemPort } from '../../../src/config/system.js';
import { conf, fakeHost, type FakeFile } from './fake-host.js';
import { tempDir } from '../../tmp.js';

const CONF_DIR = '/etc/keepalived';

/** Files under /etc/keepalived on a fake host: text, or a file described in full. */
function fakeTree(files: Record<string, string | FakeFile>): SystemPort {
  const described = Object.entries(files).map(([name, f]) => [path.join(CONF_DIR, name), typeof f === 'string' ? conf(f) : f]);
  return fakeHost({ files: Object.fromEntries(described) });
}

/** Files in a fresh temporary directory of the real file system. */
function realTree(files: Record<string, string>): string {
  const dir = tempDir('reader');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Every line of keepalived.conf in `cwd`, with where it came from and what was reported. */
function read(fileSystem: SystemPort, cwd: string, configId = 'lb1') {
  const reports: Array<{ cls: ConfigErr; message: string }> = [];
  const r = new LineReader({ report: (cls, message) => reports.push({ cls, message }), log: () => undefined }, { configId, cwd, randomSeed: 7, fileSystem });
  const lines: string[] = [];
  const locs: string[] = [];
  if (r.openMain('keepalived.conf')) {
    let l: string | undefined;
    while ((l = r.readLine()) !== undefined) {
      lines.push(l);
      locs.push(`${r.showFile ? r.location.file : ''}:${r.location.line}`);
    }
  }
  return { lines, locs, reports, reader: r };
}

function readAll(files: Record<string, string | FakeFile>, configId = 'lb1') {
  return read(fakeTree(files), CONF_DIR, configId);
}

describe('comments and quoting', () => {
  it('strips # and ! comments outside quotes only', () => {
    const { lines } = readAll({ 'keepalived.conf': 'a b # c\nd "e # f" ! g\nh \\# i\n' });
    expect(lines).toEqual(['a b', 'd "e # f"', 'h # i']);
  });
  it('reports an unterminated quote', () => {
    const { reports } = readAll({ 'keepalived.conf': 'a "b\n' });
    expect(reports.map((r) => r.message)).toContain(`Unterminated quote 'a "b'`);
  });
});

describe('braces split lines', () => {
  it('splits before and after each brace outside quotes', () => {
    const { lines } = readAll({ 'keepalived.conf': 'real_server 1.1.1.1 80 { weight 1 }\nx "{" y {\n' });
    expect(lines).toEqual(['real_server 1.1.1.1 80', '{', 'weight 1', '}', 'x "{" y', '{']);
  });
  it('counts an extra closing brace', () => {
    const { reports } = readAll({ 'keepalived.conf': 'a {\n}\n}\n' });
    expect(reports).toEqual([{ cls: ConfigErr.UnexpectedEob, message: "Extra '}' found" }]);
  });
});

describe('definitions', () => {
  it('substitutes $NAME and ${NAME}, leaving unknown names alone', () => {
    const { lines } = readAll({ 'keepalived.conf': '$IF=eth0\n$P= 80\ninterface $IF\nport ${P}x $UNKNOWN\n' });
    expect(lines).toEqual(['interface eth0', 'port 80x $UNKNOWN']);
  });
  it('expands multi-line definitions into several lines', () => {
    const { lines } = readAll({ 'keepalived.conf': '$B=vrrp_instance X { \\\n  state MASTER \\\n}\n$B\n' });
    expect(lines).toEqual(['vrrp_instance X', '{', 'state MASTER', '}']);
  });
  it('stops a self-referencing definition instead of looping', () => {
    const { lines, reports } = readAll({ 'keepalived.conf': '$IF=$IF\ninterface $IF\nnext\n' });
    expect(lines).toEqual(['next']);
    expect(reports[0]?.message).toMatch(/Definition expansion does not end/);
  });
  it('provides _HASH, _BANG, _INSTANCE and a seeded _RANDOM', () => {
    // the substituted line is decommented again, so only a quoted ${_HASH} survives (as in keepalived)
    const { lines } = readAll({ 'keepalived.conf': 'a "${_HASH}${_BANG}" ${_INSTANCE}\nb ${_HASH} gone\nr ${_RANDOM 5 5}\n' });
    expect(lines).toEqual(['a "#!" lb1', 'b', 'r 5']);
  });
});

describe('runaway expansions', () => {
  it('stops replicators that keep producing replicators', () => {
    const { lines, reports } = readAll({ 'keepalived.conf': '$X= $X { ~LST(a,1,2)\n$X\n' });
    expect(lines.length).toBeLessThan(2000);
    expect(reports.some((r) => r.message.startsWith('~SEQ/~LST nested more than 8 deep'))).toBe(true);
  });
  it('stops a replicator whose text is itself', () => {
    const { lines, reports } = readAll({ 'keepalived.conf': '$X= ~SEQ(i,1,3) $X\n$X\n' });
    expect(lines).toEqual([]);
    expect(reports.some((r) => r.message.startsWith('~SEQ/~LST nested more than 8 deep'))).toBe(true);
  });
  it('stops a definition that re-expands through a brace split', () => {
    const { reports } = readAll({ 'keepalived.conf': "$X= ^}' a $Y=$X\nC { ${X} group\n" });
    expect(reports.some((r) => r.message.startsWith('Definition expansion does not end'))).toBe(true);
  });
});

describe('conditional lines', () => {
  it('keeps @id lines for the matching config-id and @^id lines for the others', () => {
    const { lines } = readAll({ 'keepalived.conf': '@lb1 a\n@lb2 b\n@^lb1 c\n@^lb2 d\n' });
    expect(lines).toEqual(['a', 'd']);
  });
});

describe('replicators', () => {
  it('~SEQ emits the line once per value', () => {
    const { lines } = readAll({ 'keepalived.conf': '~SEQ(i, 1, 3) vip 10.0.0.$i\n~SEQx(h, 9, 11) h $h\n' });
    expect(lines).toEqual(['vip 10.0.0.1', 'vip 10.0.0.2', 'vip 10.0.0.3', 'h 9', 'h a', 'h b']);
  });
  it('nests ~SEQ and combines with ~LST', () => {
    const { lines } = readAll({ 'keepalived.conf': '~SEQ(a, 2) ~LST({x,y}, {1,2}, {3,4}) v $a $x $y\n' });
    expect(lines).toEqual(['v 1 1 2', 'v 1 3 4', 'v 2 1 2', 'v 2 3 4']);
  });
  it('reports an invalid ~SEQ', () => {
    const { reports } = readAll({ 'keepalived.conf': '~SEQ(i, 1, -1, 3) x\n' });
    expect(reports[0]?.message).toBe("Invalid ~SEQ values '~SEQ(i, 1, -1, 3) x'");
  });
});

describe('include', () => {
  it('a file that includes itself stops at the open-file limit, as keepalived does, instead of looping', () => {
    const { lines, reports } = readAll({ 'keepalived.conf': 'top\ninclude keepalived.conf\n' });
    expect(lines).toEqual(Array(MAX_OPEN_INCLUDES).fill('top'));
    expect(reports).toEqual([{ cls: ConfigErr.Ok, message: "Configuration file 'keepalived.conf' open problem (Too many open files) - skipping" }]);
  });
  const nested = {
    'keepalived.conf': 'top\ninclude conf.d/*.conf\nlast\n',
    'conf.d/a.conf': 'a1\ninclude sub/{x,y}.inc\n',
    'conf.d/b.conf': 'b1\n',
    'conf.d/sub/x.inc': 'x1\n',
    'conf.d/sub/y.inc': 'y1\n',
  };
  it('reads globbed, brace-expanded includes relative to the including file, naming them', () => {
    const { lines, locs } = readAll(nested);
    expect(lines).toEqual(['top', 'a1', 'x1', 'y1', 'b1', 'last']);
    expect(locs).toEqual([':1', 'conf.d/a.conf:1', 'sub/x.inc:1', 'sub/y.inc:1', 'conf.d/b.conf:1', ':3']);
  });
  it('reads the same includes from the real file system', () => {
    const { lines, locs } = read(hostSystem(), realTree(nested));
    expect(lines).toEqual(['top', 'a1', 'x1', 'y1', 'b1', 'last']);
    expect(locs).toEqual([':1', 'conf.d/a.conf:1', 'sub/x.inc:1', 'sub/y.inc:1', 'conf.d/b.conf:1', ':3']);
  });
  it('plain include of a missing file logs but is not an error class; includem is fatal', () => {
    const plain = readAll({ 'keepalived.conf': 'include nothere.conf\n' });
    expect(plain.reports).toEqual([{ cls: ConfigErr.Ok, message: "Config files missing 'nothere.conf'." }]);
    const strict = readAll({ 'keepalived.conf': 'includem nothere.conf\n' });
    expect(strict.reports[0]?.cls).toBe(ConfigErr.FileNotFound);
    expect(strict.reader.fatalIncludeError).toBe(true);
  });
  it('skips executable files', () => {
    const { lines, reports } = readAll({ 'keepalived.conf': 'include x.sh\n', 'x.sh': { mode: 0o100755, text: 'bad\n' } });
    expect(lines).toEqual([]);
    expect(reports.map((r) => r.message)).toEqual(["Configuration file 'x.sh' is not a regular non-executable file - skipping"]);
  });
  it('skips a dangling symbolic link as no regular file, as check_glob_file does', () => {
    const dir = realTree({ 'keepalived.conf': 'include a.conf\n' });
    fs.symlinkSync('nowhere', path.join(dir, 'a.conf'));
    const { lines, reports } = read(hostSystem(), dir);
    expect(lines).toEqual([]);
    expect(reports.map((r) => r.message)).toEqual(["Configuration file 'a.conf' is not a regular non-executable file - skipping"]);
  });
});

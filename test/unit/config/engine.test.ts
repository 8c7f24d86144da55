import { describe, expect, it } from 'vitest';
import { ConfigErr, MissingParameterError, type Location } from '../../../src/config/diagnostics.js';
import { Engine, KeywordTable, type Ctx } from '../../../src/config/engine.js';
import { LineRecording } from '../../../src/config/line-recording.js';
import { LineReader } from '../../../src/config/reader.js';
import { conf, fakeHost } from './fake-host.js';

interface Seen {
  cls: ConfigErr;
  message: string;
  hint?: string;
  line?: number;
}

/** Walks `text` as the first pass reads it, or (`replay`) as the passes after it do: over the recorded lines. */
function walk(text: string, build: (seen: string[]) => KeywordTable, replay = false) {
  const reports: Seen[] = [];
  const host = {
    report: (cls: ConfigErr, message: string, hint?: string, loc?: Location) => reports.push({ cls, message, hint, line: loc?.line }),
    log: () => undefined,
  };
  const reader = new LineReader(host, { configId: 'x', cwd: '/etc/keepalived', fileSystem: fakeHost({ files: { '/etc/keepalived/k.conf': conf(text) } }) });
  reader.openMain('k.conf');
  const seen: string[] = [];
  new Engine(replay ? recorded(reader) : reader, host, true).run(build(seen), false);
  return { seen, reports };
}

/** Every line the reader gives, recorded, and the recording rewound for a replay. */
function recorded(reader: LineReader): LineRecording {
  const recording = new LineRecording();
  const live = recording.record(reader);
  while (live.readLine() !== undefined);
  return recording.rewind(() => undefined);
}

const record = (seen: string[]) => (ctx: Ctx) => seen.push(ctx.words.join(' '));

function tables(seen: string[]) {
  const inner = new KeywordTable([
    { name: 'state', handler: record(seen) },
    { name: 'virtual_ipaddress', handler: (ctx) => seen.push('vips:' + ctx.readValueBlock().join(',')) },
  ]);
  return new KeywordTable([
    { name: 'vrrp_instance', handler: record(seen), sub: inner, close: () => seen.push('close') },
    { name: 'virtual_server', sub: new KeywordTable(), inactive: true },
    { name: 'top', handler: record(seen) },
  ]);
}

describe('block walking', () => {
  it('opens blocks, reads value blocks and runs close handlers', () => {
    const { seen, reports } = walk('vrrp_instance VI_1 {\n state MASTER\n virtual_ipaddress {\n 10.0.0.1/24\n 10.0.0.2 }\n}\ntop 1\n', tables);
    expect(seen).toEqual(['vrrp_instance VI_1', 'state MASTER', 'vips:10.0.0.1/24,10.0.0.2', 'close', 'top 1']);
    expect(reports).toEqual([]);
  });

  it('skips inactive blocks by counting braces', () => {
    const { seen, reports } = walk('virtual_server 1.1.1.1 80 {\n real_server 2.2.2.2 80 {\n weight 1\n }\n}\ntop 2\n', tables);
    expect(seen).toEqual(['top 2']);
    expect(reports).toEqual([]);
  });

  it("reproduces keepalived's recovery: an unknown block's '}' closes the enclosing block", () => {
    const { seen, reports } = walk('vrrp_instance VI_1 {\n foo {\n state BACKUP\n }\n state MASTER\n}\n', tables);
    // 'state BACKUP' is read inside the instance; the unknown block's '}' closes it; what follows is at top level
    expect(seen).toEqual(['vrrp_instance VI_1', 'state BACKUP', 'close']);
    expect(reports.map((r) => [r.cls, r.message, r.line])).toEqual([
      [ConfigErr.UnknownKeyword, "Unknown keyword 'foo'", 2],
      [ConfigErr.UnexpectedBob, "Unexpected '{' - ignoring", 2],
      [ConfigErr.UnknownKeyword, "Unknown keyword 'state'", 5],
      [ConfigErr.UnknownKeyword, "Unknown keyword '}'", 6],
    ]);
    expect(reports[1]?.hint).toMatch(/closes 'vrrp_instance VI_1'/);
  });

  it('suggests the closest keyword for a misspelling', () => {
    const { reports } = walk('vrrp_instance VI_1 {\n stat MASTER\n}\n', tables);
    expect(reports[0]).toMatchObject({ message: "Unknown keyword 'stat'", hint: "did you mean 'state'?" });
  });

  it('reports a block without its opening brace', () => {
    const { reports } = walk('vrrp_instance VI_1\nstate MASTER\n}\n', tables);
    expect(reports[0]).toMatchObject({ cls: ConfigErr.MissingBob, message: "Missing '{' at beginning of configuration block" });
  });

  it("stops with keepalived's exit-2 error when a parameter is missing", () => {
    const build = (seen: string[]) => new KeywordTable([{ name: 'priority', handler: (ctx) => seen.push(ctx.word(1)) }]);
    expect(() => walk('priority\n', build)).toThrow(MissingParameterError);
  });

  it('skips an inactive block in a replay as it does line by line, at once when every brace is a line of its own', () => {
    const texts = [
      'virtual_server 1.1.1.1 80 {\n real_server 2.2.2.2 80 {\n weight 1\n }\n}\ntop 2\n',
      'virtual_server 1.1.1.1 80 { real_server 2.2.2.2 80 { weight 1 } }\ntop 3\nvrrp_instance V {\n state MASTER\n}\n',
      // a quoted brace is a brace word to the walker: the replay then counts line by line
      'virtual_server 1.1.1.1 80 {\n notify_up "{"\n }\n}\n}\ntop 4\n',
      // never closed: nothing after it is read
      'virtual_server 1.1.1.1 80 {\n real_server 2.2.2.2 80 {\n}\ntop 5\n',
    ];
    // the reader's own reports come while it reads: all of them first in a replay
    const inOrder = ({ seen, reports }: ReturnType<typeof walk>) => ({ seen, reports: reports.sort((a, b) => a.line! - b.line! || a.message.localeCompare(b.message)) });
    for (const text of texts) expect(inOrder(walk(text, tables, true))).toEqual(inOrder(walk(text, tables)));
    expect(walk(texts[1]!, tables).seen).toEqual(['top 3', 'vrrp_instance V', 'state MASTER', 'close']);
    expect(walk(texts[2]!, tables).seen).toEqual(['top 4']);
    expect(walk(texts[3]!, tables).seen).toEqual([]);
  });

  it("moves a replay from a '{' line to its '}' line, and only when no other line holds a brace", () => {
    const replay = (text: string): LineRecording => {
      const reader = new LineReader({ report: () => undefined, log: () => undefined }, { configId: 'x', cwd: '/', fileSystem: fakeHost({ files: { '/k.conf': conf(text) } }) });
      reader.openMain('/k.conf');
      return recorded(reader);
    };
    const r = replay('a {\n b {\n c\n }\n}\nd\n');
    expect([r.readLine(), r.readLine()]).toEqual(['a', '{']);
    expect(r.skipBlock()).toBe(true);
    expect([r.location.line, r.readLine()]).toEqual([5, 'd']);
    const quoted = replay('a {\n b "}"\n}\nd\n');
    expect([quoted.readLine(), quoted.readLine(), quoted.skipBlock(), quoted.readLine()]).toEqual(['a', '{', false, 'b "}"']);
  });
});

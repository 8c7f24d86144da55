import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrackFile } from '../../../src/config/track-file.js';
import { TrackFileWatcher } from '../../../src/track/track-file-watcher.js';
import type { TrackChange } from '../../../src/vrrp/fsm/track.js';
import { tempDir } from '../../tmp.js';

const LOC = { file: 'keepalived.conf', line: 1 };
const trackFile = (name: string, file: string, init?: TrackFile['init']): TrackFile => ({ name, file, weight: 1, weightReverse: false, ...(init ? { init } : {}), loc: LOC });

const open: TrackFileWatcher[] = [];
afterEach(() => {
  for (const w of open.splice(0)) w.close();
});

async function start(files: TrackFile[]) {
  const changes: TrackChange[] = [];
  const logs: string[] = [];
  const watcher = await TrackFileWatcher.start(files, { onChange: (c) => changes.push(c), log: (m) => logs.push(m) });
  open.push(watcher);
  return { watcher, changes, logs };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150));

describe('TrackFileWatcher', () => {
  it('reads the initial values as strtol does; a missing file reads 0', async () => {
    const dir = tempDir('track-file');
    const values: Record<string, string> = { dec: ' 42\n', hex: '0x10', oct: '010', neg: '-7 apples', junk: 'abc', empty: '', max: '2147483648' };
    for (const [name, text] of Object.entries(values)) fs.writeFileSync(path.join(dir, name), text);
    const { watcher, logs } = await start([...Object.keys(values), 'missing'].map((n) => trackFile(n, path.join(dir, n))));
    expect(Object.fromEntries(watcher.values)).toEqual({ dec: 42, hex: 16, oct: 8, neg: -7, junk: 0, empty: 0, max: 2147483648, missing: 0 });
    expect(logs).toEqual([]);
  });

  it('reports a value written in place', async () => {
    const dir = tempDir('track-file');
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, '1\n');
    const { changes } = await start([trackFile('f', file)]);
    fs.writeFileSync(file, '5\n');
    await until(() => changes.length === 1);
    expect(changes).toEqual([{ kind: 'file', name: 'f', value: 5 }]);
  });

  it('reports a file replaced by rename, removed (0) and created again', async () => {
    const dir = tempDir('track-file');
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, '1\n');
    const { changes } = await start([trackFile('f', file)]);
    fs.writeFileSync(path.join(dir, 'f.new'), '-20\n');
    fs.renameSync(path.join(dir, 'f.new'), file);
    await until(() => changes.length === 1);
    fs.unlinkSync(file);
    await until(() => changes.length === 2);
    fs.writeFileSync(file, '3');
    await until(() => changes.length === 3);
    expect(changes.map((c) => (c.kind === 'file' ? c.value : undefined))).toEqual([-20, 0, 3]);
  });

  it('says nothing when the value is unchanged or a neighbour changes', async () => {
    const dir = tempDir('track-file');
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, '7\n');
    const { changes } = await start([trackFile('f', file)]);
    fs.writeFileSync(file, '7\n');
    fs.writeFileSync(path.join(dir, 'other'), '9\n');
    await settle();
    expect(changes).toEqual([]);
  });

  it('keeps the last value and logs when the number is out of range', async () => {
    const dir = tempDir('track-file');
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, '2\n');
    const { watcher, changes, logs } = await start([trackFile('f', file)]);
    fs.writeFileSync(file, '99999999999999999999999\n');
    await until(() => logs.length > 0);
    await settle();
    expect(logs).toEqual([`Invalid number 9223372036854775807 read from ${fs.realpathSync(file)} - ignoring`]);
    expect(changes).toEqual([]);
    expect(watcher.values.get('f')).toBe(2);
  });

  it('watches the target of a symbolic link', async () => {
    const dir = tempDir('track-file');
    const real = path.join(dir, 'real');
    fs.mkdirSync(real);
    fs.writeFileSync(path.join(real, 'f'), '1');
    fs.symlinkSync(path.join(real, 'f'), path.join(dir, 'link'));
    const { changes } = await start([trackFile('f', path.join(dir, 'link'))]);
    fs.writeFileSync(path.join(real, 'f'), '8');
    await until(() => changes.length === 1);
    expect(changes).toEqual([{ kind: 'file', name: 'f', value: 8 }]);
  });

  it('init_file creates a missing file, leaves an existing one unless overwrite', async () => {
    const dir = tempDir('track-file');
    fs.writeFileSync(path.join(dir, 'kept'), '4\n');
    fs.writeFileSync(path.join(dir, 'overwritten'), '4\n');
    const { watcher } = await start([
      trackFile('created', path.join(dir, 'created'), { value: 12, overwrite: false }),
      trackFile('kept', path.join(dir, 'kept'), { value: 12, overwrite: false }),
      trackFile('overwritten', path.join(dir, 'overwritten'), { value: -3, overwrite: true }),
    ]);
    expect(fs.readFileSync(path.join(dir, 'created'), 'utf8')).toBe('12\n');
    expect(fs.readFileSync(path.join(dir, 'kept'), 'utf8')).toBe('4\n');
    expect(fs.readFileSync(path.join(dir, 'overwritten'), 'utf8')).toBe('-3\n');
    expect(Object.fromEntries(watcher.values)).toEqual({ created: 12, kept: 4, overwritten: -3 });
    expect(fs.readdirSync(dir).sort()).toEqual(['created', 'kept', 'overwritten']);
  });

  it('init_file overwrite refuses what is no regular file', async () => {
    const dir = tempDir('track-file');
    fs.mkdirSync(path.join(dir, 'd'));
    const { logs } = await start([trackFile('d', path.join(dir, 'd'), { value: 1, overwrite: true })]);
    expect(logs).toEqual(['Cannot initialise track file d - it is not a regular file']);
  });

  it('leaves out a file whose directory does not exist', async () => {
    const dir = tempDir('track-file');
    const { watcher, logs } = await start([trackFile('gone', path.join(dir, 'no', 'f'))]);
    expect(logs).toEqual(['Track file directory for gone does not exist - removing']);
    expect(watcher.values.size).toBe(0);
  });
});

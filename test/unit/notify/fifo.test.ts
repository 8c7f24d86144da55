import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NotifyFifos, type FifoSpec } from '../../../src/notify/fifo.js';
import { FakeScripts } from '../../../lab/fakes/scripts.js';
import { tempDir } from '../../tmp.js';

const opened: NotifyFifos[] = [];
const readers: number[] = [];
afterEach(() => {
  for (const f of opened.splice(0)) f.close();
  for (const fd of readers.splice(0)) fs.closeSync(fd);
});

/** mkfifo(1) is fine in a test; the daemon itself may not shell out. */
function mkfifo(file: string): string {
  execFileSync('mkfifo', [file]);
  return file;
}

function reader(file: string): () => string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  readers.push(fd);
  return () => {
    const buffer = Buffer.alloc(1 << 20);
    try {
      return buffer.subarray(0, fs.readSync(fd, buffer)).toString('latin1');
    } catch {
      return '';
    }
  };
}

function open(fifos: FifoSpec[], scripts = new FakeScripts()) {
  const logs: string[] = [];
  const fifo = NotifyFifos.open(fifos, { scripts, log: (m) => logs.push(m), process: 'vrrp' });
  opened.push(fifo);
  return { fifo, logs, scripts };
}

describe('NotifyFifos', () => {
  it('writes each line to the global and the VRRP FIFO', () => {
    const dir = tempDir('fifo');
    const global = mkfifo(path.join(dir, 'global'));
    const vrrp = mkfifo(path.join(dir, 'vrrp'));
    const readGlobal = reader(global);
    const readVrrp = reader(vrrp);
    const { fifo, logs } = open([
      { which: 'notify_fifo', path: global },
      { which: 'vrrp_notify_fifo', path: vrrp },
    ]);
    fifo.write('INSTANCE "VI_1" MASTER 100\n');
    fifo.write(Buffer.from('GROUP "VG_1" BACKUP 0\n\0'));
    expect(readGlobal()).toBe('INSTANCE "VI_1" MASTER 100\nGROUP "VG_1" BACKUP 0\n\0');
    expect(readVrrp()).toBe('INSTANCE "VI_1" MASTER 100\nGROUP "VG_1" BACKUP 0\n\0');
    expect(logs).toEqual([]);
  });

  it('opens without a reader and keeps what was written for the reader that comes later', () => {
    const dir = tempDir('fifo');
    const file = mkfifo(path.join(dir, 'f'));
    const { fifo } = open([{ which: 'vrrp_notify_fifo', path: file }]);
    fifo.write('INSTANCE "VI_1" BACKUP 100\n');
    expect(reader(file)()).toBe('INSTANCE "VI_1" BACKUP 100\n');
  });

  it('drops and counts lines once the pipe is full, without blocking or throwing', () => {
    const dir = tempDir('fifo');
    const file = mkfifo(path.join(dir, 'f'));
    const { fifo } = open([{ which: 'vrrp_notify_fifo', path: file }]);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 1024; i++) fifo.write(line);
    const dropped = fifo.dropped.get(file)!;
    expect(dropped).toBeGreaterThan(0);
    const kept = reader(file)();
    expect(kept.length).toBe((1024 - dropped) * 1024);
  });

  it('starts the FIFO script before opening, and logs when it ends', async () => {
    const dir = tempDir('fifo');
    const file = mkfifo(path.join(dir, 'f'));
    const { scripts, logs } = open([{ which: 'vrrp_notify_fifo', path: file, script: { argv: ['/usr/bin/reader', file], uid: 3, gid: 4 } }]);
    expect(scripts.runs).toEqual([{ argv: ['/usr/bin/reader', file], runAs: { uid: 3, gid: 4 }, timeoutUs: undefined }]);
    await scripts.finish({ code: 0, signal: undefined, timedOut: false });
    expect(logs).toEqual(['vrrp notify fifo script terminated']);
  });

  it('creates a missing FIFO (mode 0644 less the umask), writes to it, and removes it on close', () => {
    const dir = tempDir('fifo');
    const file = path.join(dir, 'made');
    const { fifo, logs } = open([{ which: 'vrrp_notify_fifo', path: file }]);
    const stat = fs.statSync(file);
    expect(stat.isFIFO()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o644 & ~process.umask());
    const reader = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    fifo.write('INSTANCE "VI_1" MASTER 100\n');
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, fs.readSync(reader, buf)).toString()).toBe('INSTANCE "VI_1" MASTER 100\n');
    fs.closeSync(reader);
    fifo.close();
    expect(fs.existsSync(file)).toBe(false);
    expect(logs).toEqual([]);
  });

  it('reports a FIFO it cannot create, starts no script and writes nowhere', () => {
    const file = path.join(tempDir('fifo'), 'no-such-dir', 'f');
    const { fifo, logs, scripts } = open([{ which: 'vrrp_notify_fifo', path: file, script: { argv: ['/x', file], uid: 0, gid: 0 } }]);
    fifo.write('INSTANCE "VI_1" MASTER 100\n');
    expect(logs).toEqual([`Unable to create vrrp_notify fifo ${file}`]);
    expect(scripts.runs).toEqual([]);
    expect(fifo.dropped.size).toBe(0);
  });

  it('reports a FIFO it cannot open (a symbolic link: O_NOFOLLOW)', () => {
    const dir = tempDir('fifo');
    const file = mkfifo(path.join(dir, 'f'));
    const link = path.join(dir, 'link');
    fs.symlinkSync(file, link);
    const { logs } = open([{ which: 'notify_fifo', path: link }]);
    expect(logs).toEqual([`Unable to open notify fifo ${link} - errno 40`]);
  });

  it('writes nothing into a regular file at the path (keepalived would)', () => {
    const file = path.join(tempDir('fifo'), 'planted');
    fs.writeFileSync(file, 'precious\n');
    const { fifo, logs } = open([{ which: 'vrrp_notify_fifo', path: file }]);
    fifo.write('INSTANCE "VI_1" MASTER 100\n');
    fifo.close();
    expect(logs).toEqual([`Unable to open vrrp_notify fifo ${file} - it is not a FIFO`]);
    expect(fs.readFileSync(file, 'utf8')).toBe('precious\n');
  });

  it('at a reload keeps unchanged FIFOs open (no script restarted) and reopens changed ones', () => {
    const dir = tempDir('fifo');
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    const spec = (file: string): FifoSpec => ({ which: 'vrrp_notify_fifo', path: file, script: { argv: ['/usr/bin/reader', file], uid: 0, gid: 0 } });
    const { fifo, scripts } = open([spec(first)]);
    fifo.reconfigure([spec(first)]);
    expect(scripts.runs).toHaveLength(1);
    expect(fs.existsSync(first)).toBe(true);

    fifo.reconfigure([spec(second)]);
    expect(scripts.runs.map((r) => r.argv)).toEqual([
      ['/usr/bin/reader', first],
      ['/usr/bin/reader', second],
    ]);
    // the one we created is removed with its close
    expect(fs.existsSync(first)).toBe(false);
    const read = reader(second);
    fifo.write('INSTANCE "VI_1" MASTER 100\n');
    expect(read()).toBe('INSTANCE "VI_1" MASTER 100\n');
  });
});

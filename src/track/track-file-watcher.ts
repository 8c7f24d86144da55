/**
 * track_file: the integer in a file, re-read whenever the file is written,
 * replaced or removed (keepalived's track_file.c: init_file, realpath of the
 * file or its directory, an inotify watch on the directory, strtol).
 */
import { watch, type FSWatcher } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { TrackFile } from '../config/track-file.js';
import { parseCInteger } from '../config/numbers.js';
import { writeFileSafely } from '../base/safe-file.js';
import type { TrackChange } from '../vrrp/fsm/track.js';

export interface TrackFileWatcherPorts {
  onChange(change: TrackChange): void;
  log(message: string): void;
}

/** keepalived reads into a 128-byte buffer, keeping one byte for the terminator. */
const READ_LIMIT = 127;
const INT32_MIN = -2147483648;
/** keepalived accepts one above INT32_MAX (its check is `> INT32_MAX + 1`). */
const VALUE_MAX = 2147483648;
/**
 * fs.watch reports each write, not the close keepalived waits for
 * (IN_CLOSE_WRITE): events for a file are gathered this long before reading it.
 */
const SETTLE_MS = 20;

interface Watched {
  readonly name: string;
  /** Resolved as keepalived resolves it: symbolic links followed, the directory made absolute. */
  readonly file: string;
  value: number;
  pending?: NodeJS.Timeout;
}

export class TrackFileWatcher {
  private readonly watched: Watched[] = [];
  private readonly watchers: FSWatcher[] = [];

  private constructor(private readonly ports: TrackFileWatcherPorts) {}

  /**
   * Initialises (init_file), reads and watches each file; one that cannot be watched is logged and left out.
   * `reload`: at a SIGHUP keepalived does not overwrite an existing file (a missing one is still created).
   */
  static async start(files: readonly TrackFile[], ports: TrackFileWatcherPorts, options: { reload?: boolean } = {}): Promise<TrackFileWatcher> {
    const watcher = new TrackFileWatcher(ports);
    for (const file of files) {
      if (file.init) await watcher.initialise(file, file.init, options.reload === true);
      const resolved = await watcher.resolve(file);
      if (resolved === undefined) continue;
      const entry: Watched = { name: file.name, file: resolved, value: 0 };
      const value = await watcher.read(entry.file);
      if (value !== undefined) entry.value = value;
      watcher.watched.push(entry);
    }
    for (const dir of new Set(watcher.watched.map((w) => path.dirname(w.file)))) watcher.watchDirectory(dir);
    return watcher;
  }

  /** Each watched file's current value (a missing or empty file reads 0). */
  get values(): ReadonlyMap<string, number> {
    return new Map(this.watched.map((w) => [w.name, w.value]));
  }

  close(): void {
    for (const w of this.watchers.splice(0)) w.close();
    for (const entry of this.watched) clearTimeout(entry.pending);
  }

  /** init_file: written unless it exists (or, with overwrite, unless it is no regular file). */
  private async initialise(file: TrackFile, init: NonNullable<TrackFile['init']>, reload: boolean): Promise<void> {
    const stat = await fs.stat(file.file).catch(() => undefined);
    if (stat && !init.overwrite) return;
    if (stat && !stat.isFile()) {
      this.ports.log(`Cannot initialise track file ${file.name} - it is not a regular file`);
      return;
    }
    if (stat && reload) return;
    // fopen_safe's mode: 0666 less the umask (0600 under keepalived's default)
    try {
      writeFileSafely(file.file, `${init.value}\n`, { mode: 0o666, warn: (m) => this.ports.log(m) });
    } catch (error) {
      this.ports.log(`Unable to initialise track file ${file.name} (${(error as Error).message})`);
    }
  }

  private async resolve(file: TrackFile): Promise<string | undefined> {
    try {
      return await fs.realpath(file.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.ports.log(`track file ${file.name} is not accessible - ignoring`);
        return undefined;
      }
    }
    // not there yet: watch for it in its (resolved) directory
    const dir = await fs.realpath(path.dirname(file.file)).catch(() => undefined);
    const isDir = dir !== undefined && (await fs.stat(dir).catch(() => undefined))?.isDirectory();
    if (!isDir) {
      this.ports.log(`Track file directory for ${file.name} does not exist - removing`);
      return undefined;
    }
    return path.join(dir, path.basename(file.file));
  }

  private watchDirectory(dir: string): void {
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, filename) => this.changed(dir, filename));
    } catch {
      this.ports.log('Unable to monitor track files');
      return;
    }
    watcher.on('error', (error) => this.ports.log(`track file watch on ${dir} failed - ${error.message}`));
    this.watchers.push(watcher);
  }

  private changed(dir: string, filename: string | null): void {
    for (const entry of this.watched) {
      if (path.dirname(entry.file) !== dir) continue;
      // without a name the event could be for any file there
      if (filename !== null && path.basename(entry.file) !== filename) continue;
      clearTimeout(entry.pending);
      entry.pending = setTimeout(() => void this.reread(entry), SETTLE_MS);
    }
  }

  private async reread(entry: Watched): Promise<void> {
    const value = await this.read(entry.file);
    if (value === undefined || value === entry.value) return;
    entry.value = value;
    this.ports.onChange({ kind: 'file', name: entry.name, value });
  }

  /** The file's number, 0 when it is missing, empty or no number; undefined when out of range (kept as it was). */
  private async read(file: string): Promise<number | undefined> {
    let text: string;
    try {
      const handle = await fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        const buffer = Buffer.alloc(READ_LIMIT);
        const { bytesRead } = await handle.read(buffer, 0, READ_LIMIT, null);
        text = buffer.subarray(0, bytesRead).toString('latin1');
      } finally {
        await handle.close();
      }
    } catch {
      return 0;
    }
    const parsed = parseCInteger(text, 0);
    if (parsed.overflow || parsed.value < INT32_MIN || parsed.value > VALUE_MAX) {
      this.ports.log(`Invalid number ${strtolResult(parsed.value)} read from ${file} - ignoring`);
      return undefined;
    }
    return parsed.value;
  }
}

/** What strtol returned: beyond a long it saturates (ERANGE). */
function strtolResult(value: number): string {
  const limit = 2 ** 63;
  if (value >= limit) return '9223372036854775807';
  if (value <= -limit) return '-9223372036854775808';
  return BigInt(value).toString();
}

/**
 * What the block walker reads from, and the recording that lets later passes
 * replay the first pass's logical lines instead of reading the files again.
 */
import type { Location } from './diagnostics.js';
import { splitWords, type SplitResult } from './words.js';

/** What the block walker reads from: the live reader, or a recording of it. */
export interface LineSource {
  readLine(): string | undefined;
  /** The words of the line last returned (split once, however often a pass asks). */
  words(): SplitResult;
  readonly location: Location;
  readonly showFile: boolean;
}

/**
 * Replays the lines a live reader (reader.ts) produced. keepalived's children re-read the
 * parent's consolidated copy of the configuration; the logical lines are the
 * same, so later passes replay the first pass's lines instead of re-reading.
 */
export class LineRecording implements LineSource {
  private readonly lines: string[] = [];
  private readonly locs: Location[] = [];
  private readonly shows: boolean[] = [];
  private pos = -1;

  /** Wrap a live reader so every line it returns is recorded. */
  record(reader: LineSource): LineSource {
    return {
      words: () => this.words(),
      readLine: () => {
        const line = reader.readLine();
        if (line !== undefined) {
          this.lines.push(line);
          this.locs.push(reader.location);
          this.shows.push(reader.showFile);
          this.pos = this.lines.length - 1;
        }
        return line;
      },
      get location() {
        return reader.location;
      },
      get showFile() {
        return reader.showFile;
      },
    };
  }

  /** Start a replay from the first line. */
  rewind(): this {
    this.pos = -1;
    return this;
  }

  readLine(): string | undefined {
    if (this.pos + 1 >= this.lines.length) return undefined;
    return this.lines[++this.pos];
  }

  words(): SplitResult {
    return splitWords(this.lines[this.pos] ?? '');
  }

  get location(): Location {
    return this.locs[this.pos] ?? { file: '', line: 0 };
  }

  get showFile(): boolean {
    return this.shows[this.pos] ?? false;
  }
}


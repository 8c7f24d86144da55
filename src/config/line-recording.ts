/**
 * What the block walker reads from, and the recording that lets later passes
 * replay the first pass's logical lines instead of reading the files again.
 */
import { ConfigErr, type Location } from './diagnostics.js';
import { splitWords, type SplitResult } from './words.js';

/** What the block walker reads from: the live reader, or a recording of it. */
export interface LineSource {
  readLine(): string | undefined;
  /** The words of the line last returned (split once, however often a pass asks). */
  words(): SplitResult;
  readonly location: Location;
  readonly showFile: boolean;
  /**
   * At a '{' line, moves to the '}' line that closes it, as a walker skipping the block line by line would end;
   * false when the source cannot tell, and nothing moved.
   */
  skipBlock?(): boolean;
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
  /** The replay's count of open blocks, as keepalived's read_line keeps it on each pass over its copy. */
  private depth = 0;
  private report: (cls: ConfigErr, message: string) => void = () => undefined;
  /** For each '{' line, the line of its '}' (-1: none); null when a line holds a brace among other words. */
  private closers: Int32Array | null | undefined;

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

  /** Start a replay from the first line; `report` hears of a '}' closing no block, which each pass says again. */
  rewind(report: (cls: ConfigErr, message: string) => void): this {
    this.pos = -1;
    this.depth = 0;
    this.report = report;
    return this;
  }

  skipBlock(): boolean {
    this.closers ??= matchBraces(this.lines);
    const closer = this.closers?.[this.pos] ?? -1;
    if (closer < 0) return false;
    this.pos = closer;
    // the '}' jumped to closes the '{' counted when it was read
    this.depth--;
    return true;
  }

  readLine(): string | undefined {
    if (this.pos + 1 >= this.lines.length) return undefined;
    const line = this.lines[++this.pos]!;
    if (line === '{') this.depth++;
    else if (line === '}' && this.depth-- < 1) {
      this.report(ConfigErr.UnexpectedEob, "Extra '}' found");
      this.depth = 0;
    }
    return line;
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

/**
 * Each '{' line's closing '}' line. The reader ends a logical line at its first brace, so a brace is a line of its
 * own; a quoted one ("{") is a brace word the walker counts too, and then nothing is matched here.
 */
function matchBraces(lines: readonly string[]): Int32Array | null {
  const closers = new Int32Array(lines.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '{') open.push(i);
    else if (line === '}') {
      const opener = open.pop();
      if (opener !== undefined) closers[opener] = i;
    } else if (line.includes('{') || line.includes('}')) return null;
  }
  return closers;
}

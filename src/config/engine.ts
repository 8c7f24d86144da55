/**
 * The block walker: keepalived's process_stream(). Matches the first word of
 * each logical line against the keyword table of the current level, opens
 * sub-levels, skips inactive blocks, and reproduces keepalived's naive error
 * recovery (an unknown block's '}' closes the enclosing block), while telling
 * the operator what happened.
 */
import { ConfigErr, MissingParameterError, type Location } from './diagnostics.js';
import type { LineSource } from './line-recording.js';
import { splitScriptWords } from './words.js';
import { didYouMean } from './suggest.js';
import { newerKeyword } from './newer-keywords.js';
import { notActedOn } from './not-acted-on.js';
import { NumberReader, checkTrueFalse } from './numbers.js';

export interface Keyword {
  readonly name: string;
  readonly handler?: (ctx: Ctx) => void;
  /** Keywords with a sub-table open a block. */
  readonly sub?: KeywordTable;
  /** Runs when the block closes (not when it was skipped). */
  readonly close?: (ctx: Ctx) => void;
  /** Inactive keywords are recognised but their blocks skipped (another subsystem's). */
  readonly inactive?: boolean;
  /** Script keywords: the raw line is re-split with quotes and escapes. */
  readonly quoted?: boolean;
}

export class KeywordTable {
  readonly byName = new Map<string, Keyword>();
  /** Suggestions already computed for unknown words (configs repeat their mistakes). */
  private readonly suggestions = new Map<string, string | undefined>();
  constructor(keywords: readonly Keyword[] = []) {
    for (const k of keywords) this.add(k);
  }
  add(k: Keyword): this {
    if (!this.byName.has(k.name)) this.byName.set(k.name, k);
    return this;
  }
  addAll(keywords: readonly Keyword[]): this {
    for (const k of keywords) this.add(k);
    return this;
  }
  get(name: string): Keyword | undefined {
    return this.byName.get(name);
  }
  /** The closest keyword to a misspelt word, if any is close. */
  suggest(word: string): string | undefined {
    if (!this.suggestions.has(word)) this.suggestions.set(word, didYouMean(word, [...this.byName.keys()]));
    return this.suggestions.get(word);
  }
}

export interface Reporter {
  report(cls: ConfigErr, message: string, hint?: string, loc?: Location): void;
  log(message: string): void;
  /** What keepalived-ts itself has to say (not keepalived's diagnostics): never changes the exit code. */
  notice?(message: string, loc: Location): void;
}

/** What a keyword handler sees: its line, and the means to read more or report. */
export class Ctx {
  constructor(
    readonly words: readonly string[],
    /** The logical line as read (for script keywords' own splitting). */
    readonly raw: string,
    readonly loc: Location,
    private readonly offsets: readonly number[],
    private readonly engine: Engine,
  ) {}

  get length(): number {
    return this.words.length;
  }

  /** Word `i`; a missing one stops the parse as keepalived's exit(2) does. */
  word(i: number): string {
    const w = this.words[i];
    if (w === undefined) this.engine.missingParameter(this.words, i);
    return w!;
  }

  /** Word `i` of another word list on this line (a value-block item), with the same exit(2) when missing. */
  wordOf(words: readonly string[], i: number): string {
    const w = words[i];
    if (w === undefined) this.engine.missingParameter(words, i);
    return w!;
  }

  has(i: number): boolean {
    return i < this.words.length;
  }

  col(i: number): number | undefined {
    const o = this.offsets[i];
    return o === undefined ? undefined : o + 1;
  }

  report(cls: ConfigErr, message: string, hint?: string): void {
    this.engine.reporter.report(cls, message, hint, this.loc);
  }

  /** Report about word `i`, with its column. */
  reportAt(i: number, cls: ConfigErr, message: string, hint?: string): void {
    const col = this.col(i);
    this.engine.reporter.report(cls, message, hint, col === undefined ? this.loc : { ...this.loc, col });
  }

  log(message: string): void {
    this.engine.reporter.log(message);
  }

  /** keepalived-ts's own remark (never changes the exit code), at this line unless told another. */
  notice(message: string, loc: Location = this.loc): void {
    this.engine.reporter.notice?.(message, loc);
  }

  /** Number readers that report at this line. */
  get num(): NumberReader {
    return new NumberReader(this, this.engine.testMode);
  }

  /**
   * An optional boolean argument at word `i` (absent → true), as keepalived's
   * `keyword [BOOL]` handlers; an invalid word is reported and yields undefined.
   */
  optionalBool(i: number, keyword = this.words[0]): boolean | undefined {
    if (!this.has(i)) return true;
    const v = checkTrueFalse(this.words[i]!);
    if (v === undefined) this.report(ConfigErr.GeneralError, `Invalid value '${this.words[i]}' for ${keyword} - ignoring`);
    return v;
  }

  /** The script command's argv (second-level split of word 1) and any `user [group]` after it. */
  scriptWords(): { argv: string[]; user?: string; group?: string } | undefined {
    const first = splitScriptWords(this.raw);
    if (!first.ok) {
      this.report(ConfigErr.UnmatchedQuote, first.error);
      return undefined;
    }
    const cmd = first.words[1];
    if (cmd === undefined) this.engine.missingParameter(this.words, 1);
    const second = splitScriptWords(cmd!);
    if (!second.ok) {
      this.report(ConfigErr.UnmatchedQuote, second.error);
      return undefined;
    }
    return { argv: second.words, user: first.words[2], group: first.words[3] };
  }

  /** Read a value block (`kw { a b \n c }`), calling `each` with the words of every line. */
  valueBlock(each: (words: string[], ctx: Ctx) => void, skipWords = 0): void {
    this.engine.valueBlock(this, each, skipWords);
  }

  /** All words of a value block, flattened. */
  readValueBlock(): string[] {
    const all: string[] = [];
    this.valueBlock((w) => all.push(...w));
    return all;
  }

  /** Skip the rest of the current block (keepalived's skip_block). */
  skipBlock(needBlockStart: boolean): void {
    this.engine.skipSublevel = needBlockStart ? -1 : 1;
  }
}

export class Engine {
  skipSublevel = 0;
  private kwLevel = 0;
  /** The words of the open blocks, outermost first: their keyword, and their name in recovery hints (joined only then). */
  private readonly openBlocks: (readonly string[])[] = [];
  private lastUnknown: { name: string; loc: Location } | undefined;

  constructor(
    readonly reader: LineSource,
    readonly reporter: Reporter,
    /** `-t` semantics for numbers that the daemon would still accept. */
    readonly testMode: boolean,
  ) {}

  missingParameter(words: readonly string[], index: number): never {
    const loc = this.reader.location;
    const message =
      index > 0 && index - 1 < words.length
        ? `*** Configuration line starting \`${words[0]}\` is missing a parameter after keyword \`${words[index - 1]}\` at word position ${index + 1}`
        : `*** Configuration line starting \`${words[0] ?? '***MISSING ***'}\` is missing a parameter at word position ${index + 1}`;
    this.reporter.report(ConfigErr.MissingParameter, message, 'keepalived stops here with exit code 2', loc);
    throw new MissingParameterError(message);
  }

  /** Words of the current line; an open quote is reported unless the keyword is a script keyword (which splits its own way). */
  private split(line: string, table?: KeywordTable): { words: string[]; offsets: number[] } | undefined {
    const r = this.reader.words();
    if (r.unmatchedQuote && !(r.words[0] !== undefined && table?.get(r.words[0])?.quoted)) {
      this.reporter.report(ConfigErr.UnmatchedQuote, `Unmatched quote: '${line}'`, undefined, this.reader.location);
    }
    return r.words.length ? r : undefined;
  }

  /** Walk one level; returns true when a skipped block ended at this level. */
  run(table: KeywordTable, needBob: boolean): boolean {
    let line: string | undefined;
    while ((line = this.reader.readLine()) !== undefined) {
      // Inside a skipped block only brace words matter; most lines have none.
      if (this.skipSublevel > 0 && !line.includes('{') && !line.includes('}')) continue;
      const split = this.split(line, table);
      if (!split) continue;
      const { words, offsets } = split;
      let str = words[0]!;

      if (this.skipSublevel === -1) {
        if (str === '{') {
          needBob = false;
          if (!this.reader.skipBlock?.()) {
            this.skipSublevel = 1;
            continue;
          }
          // moved to the block's '}', as the line-by-line skip below ends
          this.skipSublevel = 0;
          if (this.kwLevel > 0) return true;
          continue;
        }
        this.skipSublevel = 0;
      }
      if (this.skipSublevel) {
        for (const w of words) {
          str = w;
          if (w === '{') this.skipSublevel++;
          else if (w === '}' && --this.skipSublevel === 0) break;
        }
        if (str === '}' && this.skipSublevel === 0 && this.kwLevel > 0) return true;
        continue;
      }
      const loc = this.reader.location;

      if (needBob) {
        needBob = false;
        if (str === '{' && this.kwLevel > 0) continue;
        this.reporter.report(ConfigErr.MissingBob, "Missing '{' at beginning of configuration block", undefined, loc);
      } else if (str === '{') {
        this.reporter.report(ConfigErr.UnexpectedBob, "Unexpected '{' - ignoring", this.recoveryHint(loc), loc);
        continue;
      }

      if (str === '}' && this.kwLevel > 0) break;

      const kw = table.get(str);
      if (!kw) {
        const suggestion = table.suggest(str);
        const hint =
          newerKeyword(str) ??
          (suggestion ? `did you mean '${suggestion}'?` : this.openBlocks.length ? `not a keyword of '${this.openBlocks[this.openBlocks.length - 1]!.join(' ')}'` : undefined);
        this.reporter.report(ConfigErr.UnknownKeyword, `Unknown keyword '${str}'`, hint, { ...loc, col: offsets[0]! + 1 });
        this.lastUnknown = { name: str, loc };
        continue;
      }
      this.lastUnknown = undefined;

      if (kw.inactive) {
        // Another process's root: keepalived installs no sub-keywords for it and skips its block at this level.
        this.skipSublevel = words[words.length - 1] === '{' ? 1 : -1;
        continue;
      }
      let bobNeeded = false;
      let handlerWords = words;
      if (kw.sub) {
        if (words[words.length - 1] === '{') handlerWords = words.slice(0, -1);
        else bobNeeded = true;
      }
      const ctx = new Ctx(handlerWords, line, loc, offsets, this);
      const gap = notActedOn(kw.name);
      if (gap) this.reporter.notice?.(`'${kw.name}' is read but not acted on by keepalived-ts: ${gap}`, loc);
      kw.handler?.(ctx);
      if (kw.sub) {
        this.kwLevel++;
        this.openBlocks.push(handlerWords);
        const skipped = this.run(kw.sub, bobNeeded);
        this.openBlocks.pop();
        this.kwLevel--;
        if (!skipped) kw.close?.(ctx);
      }
    }
    return false;
  }

  private recoveryHint(loc: Location): string | undefined {
    const unknown = this.lastUnknown;
    if (!unknown || unknown.loc.file !== loc.file || unknown.loc.line !== loc.line) return undefined;
    const enclosing = this.openBlocks[this.openBlocks.length - 1]?.join(' ');
    return enclosing
      ? `the block of unknown keyword '${unknown.name}' is read as part of '${enclosing}', and its '}' closes '${enclosing}' (keepalived's recovery)`
      : `the block of unknown keyword '${unknown.name}' is read at top level, line by line (keepalived's recovery)`;
  }

  /** keepalived's alloc_value_block. */
  /** `skipWords`: words after the keyword that are not block content (`virtual_server_group NAME {`). */
  valueBlock(ctx: Ctx, each: (words: string[], ctx: Ctx) => void, skipWords = 0): void {
    const words = skipWords ? [ctx.words[0]!, ...ctx.words.slice(1 + skipWords)] : ctx.words;
    let needBob = true;
    let hadEob = false;
    let first: string[] | undefined;
    if (words.length > 1) {
      if (words[1] === '{') {
        needBob = false;
        if (words.length > 2) {
          first = words.slice(2);
          if (first[first.length - 1] === '}') {
            first.pop();
            hadEob = true;
          }
        }
      } else {
        ctx.report(ConfigErr.GeneralError, `Block ${words[0]} has extra parameters ${words[1]} ...`);
      }
    }
    while (true) {
      let vec: string[];
      let lineCtx = ctx;
      if (first) {
        vec = first;
        first = undefined;
      } else {
        const line = this.reader.readLine();
        if (line === undefined) break;
        const split = this.split(line);
        if (!split) continue;
        vec = split.words;
        lineCtx = new Ctx(vec, line, this.reader.location, split.offsets, this);
        if (needBob) {
          needBob = false;
          if (vec[0] === '{') {
            if (vec.length === 1) continue;
            vec = vec.slice(1);
          } else {
            this.reporter.log(`'{' missing from beginning of block ${words[0]}`);
          }
        }
        if (vec[vec.length - 1] === '}') {
          if (vec.length === 1) break;
          hadEob = true;
          vec = vec.slice(0, -1);
        }
      }
      if (vec.length) each(vec, lineCtx);
      if (hadEob) break;
    }
  }
}

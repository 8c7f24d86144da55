/**
 * The logical-line reader: keepalived's read_line(). Over the physical lines
 * of the configuration files (config-files.ts) it applies comments, `@id`
 * conditionals, `$NAME` definitions, `~SEQ`/`~LST` and `include`, and splits
 * at braces, producing one logical line at a time with its location.
 */
import { seededRandom } from '../base/seeded-random.js';
import { ConfigErr, type Location } from './diagnostics.js';
import { DEF_LINE_END, Definitions, parseDefinitionLine, type Definition } from './definitions.js';
import { ConfigFiles, type ConfigFileAccess, INCLUDE_B, INCLUDE_M, INCLUDE_R, INCLUDE_W, MAXBUF } from './config-files.js';
import type { LineSource } from './line-recording.js';
import { parseLst, parseSeq } from './replicators.js';
import { isWhiteCode, splitWords, type SplitResult } from './words.js';

/** Substitution rounds on one line before we call it recursive (keepalived loops forever). */
export const MAX_SUBSTITUTION_ROUNDS = 64;
/** Nested `~SEQ`/`~LST` (keepalived's own samples nest 3); deeper is a definition feeding itself. */
export const MAX_REPLICATOR_DEPTH = 8;
/** Multi-line definitions expanded inside each other. */
export const MAX_MULTILINE_DEPTH = 64;
/** Logical lines one configuration may expand to (keepalived's largest samples make about 1.3 million). */
export const MAX_LINES = 10_000_000;


export interface ReaderHost {
  report(cls: ConfigErr, message: string, hint?: string): void;
  /** Plain log lines that keepalived prints without an error class. */
  log(message: string): void;
}

export interface ReaderOptions {
  readonly configId: string;
  /** Directory relative paths start from (keepalived's cwd). */
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly randomSeed?: number;
  /** Where the files, include globs included, are read. */
  readonly fileSystem: ConfigFileAccess;
}

interface Seq {
  readonly text: string;
  readonly assignments: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
  next: number;
  /** How many replicators this one is nested in, counting through definitions and brace splits. */
  readonly generation: number;
}

export class LineReader implements LineSource {
  private readonly files: ConfigFiles;
  private lastLine = '';
  private linesRead = 0;
  private lastSplit: SplitResult | undefined;

  readonly definitions = new Definitions();
  blockDepth = 0;
  /** Steps taken (raw lines, substitution rounds, substitutions): tests bound it to prove linear work. */
  work = 0;

  private residue: string | undefined;
  /** Substitutions made in the pieces of one line after a brace split: a self-reference there never ends. */
  private residueSubstitutions = 0;
  private fromResidue = false;
  /** Replicator nesting of the line being processed, and of the pieces and lines it leaves to read next. */
  private generation = 0;
  private residueGeneration = 0;
  private multilineGeneration = 0;
  private seqs: Seq[] = [];
  private multilineSeqDepth = 0;
  private nextPtr: string | undefined;
  private readonly multilineStack: Array<{ ptr: string; seqDepth: number }> = [];
  private multilineDef: Definition | undefined;
  private rng: () => number;

  constructor(
    private readonly host: ReaderHost,
    private readonly opts: ReaderOptions,
  ) {
    this.files = new ConfigFiles(host, opts.cwd, opts.fileSystem);
    this.rng = seededRandom(opts.randomSeed ?? Date.now() >>> 0);
    this.definitions.addBuiltin('_PWD', () => this.currentDir());
    this.definitions.addBuiltin('_INSTANCE', () => opts.configId);
    this.definitions.addBuiltin('_RANDOM', (params) => this.random(params), 2);
    this.definitions.addBuiltin('_HASH', undefined, 0, '#');
    this.definitions.addBuiltin('_BANG', undefined, 0, '!');
  }

  /** `random_seed` makes `${_RANDOM}` repeatable. */
  seedRandom(seed: number): void {
    this.rng = seededRandom(seed);
  }

  /** Open the main configuration file (keepalived opens it as includew). */
  openMain(file: string): boolean {
    return this.files.openMain(file);
  }

  /** global_defs `include_check` sets which include failures are fatal. */
  get includeCheck(): number {
    return this.files.includeCheck;
  }

  set includeCheck(flags: number) {
    this.files.includeCheck = flags;
  }

  get filesRead(): readonly string[] {
    return this.files.filesRead;
  }

  /** Set when an include failed under include_check (keepalived then exits 6 in -t). */
  get fatalIncludeError(): boolean {
    return this.files.fatalIncludeError;
  }

  words(): SplitResult {
    return (this.lastSplit ??= splitWords(this.lastLine));
  }

  /** Location of the line last returned. */
  get location(): Location {
    return this.files.location;
  }

  get showFile(): boolean {
    return this.files.showFile;
  }

  /** The next logical line, or undefined at the end of all files. */
  readLine(): string | undefined {
    let buf: string;
    do {
      const raw = this.nextRaw();
      if (raw === undefined) return undefined;
      buf = this.process(raw);
    } while (buf === '' || this.checkInclude(buf));
    if (++this.linesRead > MAX_LINES) {
      if (this.linesRead === MAX_LINES + 1) this.host.report(ConfigErr.Fatal, `Configuration expands to more than ${MAX_LINES} lines - not reading further`);
      return undefined;
    }
    this.lastLine = this.splitBraces(buf);
    this.lastSplit = undefined;
    return this.lastLine;
  }

  private currentDir(): string {
    return this.files.currentDir();
  }

  private random(params: string | undefined): string {
    let min = 0;
    let max = 32767;
    if (params !== undefined) {
      const nums = params.trim().split(/ +/).map(Number);
      min = nums[0] ?? 0;
      if (nums.length > 1) max = nums[1]!;
      if (nums.length > 2) this.host.log(`Too many parameters or extra text for \${_RANDOM ${params}}`);
    }
    return String(Math.floor(this.rng() * (max - min + 1)) + min);
  }

  /** One raw line from the highest-priority source, decommented if it came from a file. */
  private nextRaw(): string | undefined {
    this.work++;
    this.fromResidue = false;
    if (this.residue !== undefined) {
      const r = this.residue;
      this.residue = undefined;
      this.fromResidue = true;
      this.generation = this.residueGeneration;
      return r;
    }
    if (this.seqs.length > this.multilineSeqDepth) {
      const seq = this.seqs[this.seqs.length - 1]!;
      for (const [name, value] of seq.assignments[seq.next]!) this.definitions.set(name, value);
      if (++seq.next >= seq.assignments.length) this.seqs.pop();
      this.generation = seq.generation;
      return seq.text;
    }
    if (this.nextPtr !== undefined) {
      this.generation = this.multilineGeneration;
      const end = this.nextPtr.indexOf(DEF_LINE_END);
      if (end < 0) {
        const line = this.nextPtr;
        const popped = this.multilineStack.pop();
        if (popped) {
          this.nextPtr = popped.ptr;
          this.multilineSeqDepth = popped.seqDepth;
        } else {
          this.nextPtr = undefined;
          this.multilineSeqDepth = 0;
        }
        return line;
      }
      const line = this.nextPtr.slice(0, end);
      this.nextPtr = this.nextPtr.slice(end + 1);
      return line;
    }
    return this.nextFileLine();
  }

  private nextFileLine(): string | undefined {
    this.generation = 0;
    let text: string | undefined;
    while ((text = this.files.nextLine()) !== undefined) {
      if (text.includes('\0')) {
        this.host.report(ConfigErr.GeneralError, 'configuration appears to have embedded NULs - ignoring line');
        continue;
      }
      if (text === '') {
        if (this.multilineDef) this.endMultilineDef();
        continue;
      }
      text = this.decomment(text);
      if (text !== '') return text;
    }
    return undefined;
  }

  /** Definitions, conditionals and replicators for one raw line; '' when it produced nothing. */
  private process(raw: string): string {
    let buf = raw;
    if (this.multilineDef) {
      this.appendMultilineDef(buf);
      return '';
    }
    let rounds = 0;
    while (true) {
      this.work++;
      if (buf[0] === '@') {
        const rev = buf[1] === '^';
        const ofs = rev ? 2 : 1;
        const m = /[ \t]/.exec(buf.slice(ofs));
        if (!m) return '';
        const id = buf.slice(ofs, ofs + m.index);
        if ((id === this.opts.configId) === rev) return '';
        buf = buf.slice(ofs + m.index).replace(/^[ \t]+/, '');
      }
      if (buf[0] === '$') {
        const def = parseDefinitionLine(buf);
        if (def) {
          if (def.multiline) {
            this.multilineDef = this.definitions.set(def.name, def.value === '' ? '' : def.value + DEF_LINE_END, true);
          } else {
            this.definitions.set(def.name, def.value);
          }
          return '';
        }
      }
      if (buf.startsWith('~SEQ') || buf.startsWith('~LST')) {
        const parsed = buf[1] === 'S' ? parseSeq(buf, (s) => this.substitute(s).text) : parseLst(buf);
        if (parsed.ok && this.generation >= MAX_REPLICATOR_DEPTH) {
          this.host.report(ConfigErr.GeneralError, `~SEQ/~LST nested more than ${MAX_REPLICATOR_DEPTH} deep - ignoring '${buf}'`, 'a replicator line expands to another replicator without end');
        } else if (parsed.ok) {
          this.seqs.push({ text: parsed.value.text, assignments: parsed.value.assignments, next: 0, generation: this.generation + 1 });
          if (parsed.value.assignments.length === 0) this.seqs.pop();
        } else {
          this.host.report(ConfigErr.GeneralError, parsed.error);
        }
        return '';
      }
      if (buf[0] === '~') return buf;
      if (!buf.includes('$')) return buf;
      const sub = this.substitute(buf);
      if (sub.endless) {
        this.host.report(ConfigErr.GeneralError, `Definition expansion does not end - ignoring line '${buf}'`, 'a definition refers to itself (keepalived 2.2.7 loops forever here)');
        return '';
      }
      if (!sub.changed) return buf;
      if (!this.fromResidue) this.residueSubstitutions = 0;
      else if (++this.residueSubstitutions > MAXBUF) {
        this.host.report(ConfigErr.GeneralError, `Definition expansion does not end - ignoring '${buf}'`, 'a definition refers to itself through a brace on its line');
        return '';
      }
      buf = this.decomment(sub.text);
      if (sub.tooLong) return buf;
      if (buf[0] !== '@' && !buf.includes('$')) return buf;
      if (++rounds >= MAX_SUBSTITUTION_ROUNDS) {
        this.host.report(ConfigErr.GeneralError, `Definition expansion does not end - ignoring line '${buf}'`, 'a definition refers to itself (keepalived 2.2.7 loops forever here)');
        return '';
      }
      if (buf === '') return '';
    }
  }

  private appendMultilineDef(line: string): void {
    const def = this.multilineDef!;
    let text = line;
    let more = false;
    if (text.endsWith('\\')) {
      text = text.slice(0, -1).replace(/[ \t]+$/, '') + DEF_LINE_END;
      more = true;
    }
    if (text.length >= 2 || (text.length > 0 && !more)) def.value += text;
    if (!more) this.endMultilineDef();
  }

  private endMultilineDef(): void {
    const def = this.multilineDef!;
    if (def.value === '') def.multiline = false;
    this.multilineDef = undefined;
  }

  /** One pass of keepalived's replace_param over the line. */
  private substitute(text: string): { text: string; changed: boolean; tooLong: boolean; endless?: boolean } {
    let out = text;
    let pos = 0;
    let changed = false;
    let nextPtr = this.nextPtr;
    let substitutions = 0;
    while (true) {
      const dollar = out.indexOf('$', pos);
      if (dollar < 0 || dollar + 1 >= out.length) break;
      this.work++;
      // A value is rescanned where it was inserted, so `$IF=$IF` never ends (keepalived hangs on it).
      if (substitutions > MAXBUF) return { text: out, changed, tooLong: false, endless: true };
      const found = this.definitions.findUse(out, dollar + 1);
      if (!found) {
        pos = dollar + 1;
        continue;
      }
      changed = true;
      substitutions++;
      const { def } = found;
      let value = def.fn ? def.fn(found.params) : def.value;
      if (def.multiline) {
        if (this.multilineStack.length >= MAX_MULTILINE_DEPTH) return { text: out, changed, tooLong: false, endless: true };
        this.multilineGeneration = this.generation;
        if (nextPtr !== undefined) this.multilineStack.push({ ptr: nextPtr, seqDepth: this.multilineSeqDepth });
        this.multilineSeqDepth = this.seqs.length;
        const end = value.indexOf(DEF_LINE_END);
        nextPtr = end < 0 ? undefined : value.slice(end + 1);
        value = end < 0 ? value : value.slice(0, end);
      }
      const replaced = out.slice(0, dollar) + value + out.slice(dollar + found.length);
      if (replaced.length >= MAXBUF) {
        this.host.log(`Parameter substitution on line '${out}' would exceed maximum line length`);
        this.nextPtr = nextPtr;
        return { text: out, changed, tooLong: true };
      }
      out = replaced;
      if (value.trimStart().startsWith('~')) break;
      pos = dollar;
    }
    if (changed) this.nextPtr = nextPtr;
    return { text: out, changed, tooLong: false };
  }

  /** Comments start at '#' or '!' outside quotes; `\#` and `\!` are literal. */
  decomment(line: string): string {
    let s = trimBlanksStart(line);
    // most lines have nothing to decode: no quote, escape or comment character
    if (!hasAnyOf(s, DECOMMENT_CHARS)) return trimBlanksEnd(s);
    let quote = false;
    let cont = false;
    let cut = -1;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === '"') {
        if (cut < 0) quote = !quote;
      } else if (c === '\\') {
        if (i + 1 < s.length) {
          if (!quote && (s[i + 1] === '#' || s[i + 1] === '!')) s = s.slice(0, i) + s.slice(i + 1);
          else i++;
          continue;
        }
        s = s.slice(0, i);
        cont = true;
        break;
      } else if (!quote && cut < 0 && (c === '!' || c === '#')) {
        cut = i;
      }
    }
    if (quote) this.host.report(ConfigErr.GeneralError, `Unterminated quote '${s}'`);
    if (cut >= 0) s = s.slice(0, cut);
    s = trimBlanksEnd(s);
    return cont ? s + '\\' : s;
  }

  private checkInclude(buf: string): boolean {
    if (!buf.startsWith('include') || buf.length <= 7) return false;
    let type: number;
    let rest: string;
    if (isWhiteCode(buf.charCodeAt(7))) {
      type = 0;
      rest = buf.slice(8);
    } else if (isWhiteCode(buf.charCodeAt(8)) && 'rmwba'.includes(buf[7]!)) {
      type = { r: INCLUDE_R, a: INCLUDE_R | INCLUDE_M | INCLUDE_B | INCLUDE_W, w: INCLUDE_R | INCLUDE_M | INCLUDE_W, m: INCLUDE_R | INCLUDE_M, b: INCLUDE_R | INCLUDE_B }[buf[7] as 'r'];
      rest = buf.slice(9);
    } else {
      return false;
    }
    this.files.include(trimBlanksStart(rest), type);
    return true;
  }

  /** The first '{' or '}' outside quotes ends the logical line; the rest is read next. */
  private splitBraces(line: string): string {
    let buf = line;
    let p = -1;
    if (buf[0] === '{' || buf[0] === '}') {
      p = 0;
    } else if (!buf.includes('"')) {
      p = firstOf(buf.indexOf('{'), buf.indexOf('}'));
    } else {
      for (let i = 0; i < buf.length; i++) {
        const c = buf[i];
        if (c === '"') {
          const close = buf.indexOf('"', i + 1);
          if (close < 0) break;
          i = close;
        } else if (c === '{' || c === '}') {
          p = i;
          break;
        }
      }
    }
    if (p >= 0) {
      let skip = 0;
      if (p === 0) {
        skip = 1;
        while (buf[skip] === ' ' || buf[skip] === '\t') skip++;
      }
      const rest = trimBlanksEnd(buf.slice(p + skip));
      if (rest !== '') {
        this.residue = rest;
        this.residueGeneration = this.generation;
        buf = buf.slice(0, p + skip);
      }
    }
    buf = trimBlanksEnd(buf);
    if (buf === '{') this.blockDepth++;
    else if (buf === '}') {
      if (this.blockDepth-- < 1) {
        this.host.report(ConfigErr.UnexpectedEob, "Extra '}' found");
        this.blockDepth = 0;
      }
    }
    return buf;
  }
}

const DECOMMENT_CHARS = ['"', '\\', '#', '!'];

function hasAnyOf(s: string, chars: readonly string[]): boolean {
  for (let i = 0; i < chars.length; i++) if (s.includes(chars[i]!)) return true;
  return false;
}

/** The earlier of two indexOf results (-1: not found). */
function firstOf(a: number, b: number): number {
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

/** Spaces and tabs only, as keepalived trims (not String.trim's wider set). */
function trimBlanksStart(s: string): string {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  return i === 0 ? s : s.slice(i);
}

function trimBlanksEnd(s: string): string {
  let i = s.length;
  while (i > 0 && (s.charCodeAt(i - 1) === 32 || s.charCodeAt(i - 1) === 9)) i--;
  return i === s.length ? s : s.slice(0, i);
}

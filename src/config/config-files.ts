/**
 * The configuration files being read: the main file and the stack of
 * `include`s, with keepalived's glob rules, include_check classes and file
 * naming in messages (a file is named once it is nested or one of several).
 */
import * as path from 'node:path';
import { ConfigErr, type Location } from './diagnostics.js';
import { glob, type GlobFiles } from './glob.js';
import type { SystemPort } from './system.js';

/** What reading the configuration asks of the file system. */
export type ConfigFileAccess = GlobFiles & Pick<SystemPort, 'readText'>;

export const MAXBUF = 1024;

export const INCLUDE_R = 0x01;
export const INCLUDE_M = 0x02;
export const INCLUDE_W = 0x04;
export const INCLUDE_B = 0x08;

/**
 * keepalived holds every file of the include stack open, so a file that includes itself stops at its open-file
 * limit (RLIMIT_NOFILE, 1024 by default, less what it already has open) with "open problem (Too many open files)".
 */
export const MAX_OPEN_INCLUDES = 1000;

export interface FilesHost {
  report(cls: ConfigErr, message: string, hint?: string): void;
  /** Plain log lines that keepalived prints without an error class. */
  log(message: string): void;
}

interface OpenFile {
  readonly pattern: string;
  readonly includeType: number;
  readonly savedIncludeCheck: number;
  /** cwd when the include was read: glob paths are relative to it. */
  readonly baseDir: string;
  readonly paths: string[];
  next: number;
  numMatches: number;
  /** Set once the file is nested or the glob matched more than one: keepalived then names it. */
  displayName?: string;
  /** Directory of the file being read: includes inside it resolve from here. */
  dir: string;
  lines: string[];
  idx: number;
  lineNo: number;
}

export class ConfigFiles {
  /** Every file read, in order, for the dump and for tests. */
  readonly filesRead: string[] = [];
  /** global_defs `include_check`: the include classes whose failures are fatal. */
  includeCheck = 0;
  private readonly stack: OpenFile[] = [];
  // the location is built only when asked: most lines are never reported
  private lastName = '';
  private lastLineNo = 0;
  private lastLoc: Location | undefined = { file: '', line: 0 };
  private lastShowFile = false;

  constructor(
    private readonly host: FilesHost,
    /** Directory the main file's relative path starts from (keepalived's cwd). */
    private readonly cwd: string,
    private readonly fileSystem: ConfigFileAccess,
  ) {}

  /** Location of the physical line last read. */
  get location(): Location {
    return (this.lastLoc ??= { file: this.lastName, line: this.lastLineNo });
  }

  get showFile(): boolean {
    return this.lastShowFile;
  }

  /** Directory of the file being read: includes and ${_PWD} start from it. */
  currentDir(): string {
    return this.stack[0]?.dir ?? this.cwd;
  }

  /** Open the main configuration file (keepalived opens it as includew). */
  openMain(file: string): boolean {
    const ok = this.open(file, INCLUDE_R | INCLUDE_M | INCLUDE_W, this.cwd);
    if (!ok) this.fileError(INCLUDE_R, 'Failed to open configuration file');
    return ok;
  }

  /** An `include PATTERN` line of the current file. */
  include(pattern: string, includeType: number): void {
    this.open(pattern, includeType, this.currentDir());
  }

  /** The next physical line (without its line end), moving on through the include stack; undefined at the end. */
  nextLine(): string | undefined {
    while (true) {
      const file = this.stack[0];
      if (!file) return undefined;
      if (file.idx >= file.lines.length) {
        if (!this.nextFile()) return undefined;
        continue;
      }
      const text = file.lines[file.idx++]!;
      file.lineNo++;
      this.setLocation(file);
      // lines were split at '\n', so only carriage returns can end one
      return text.charCodeAt(text.length - 1) === 13 ? text.replace(/\r+$/, '') : text;
    }
  }

  private setLocation(file: OpenFile): void {
    this.lastName = file.displayName ?? file.paths[file.next - 1] ?? file.pattern;
    this.lastLineNo = file.lineNo;
    this.lastLoc = undefined;
    this.lastShowFile = file.displayName !== undefined;
  }

  private fileError(errorType: number, message: string): void {
    const top = this.stack[0];
    const fatal = ((this.includeCheck | (top?.includeType ?? 0)) & errorType) !== 0;
    this.host.report(fatal ? ConfigErr.FileNotFound : ConfigErr.Ok, message);
    if (fatal) this.fatalIncludeError = true;
  }

  /** Set when an include failed under include_check (keepalived then exits 6 in -t). */
  fatalIncludeError = false;

  private open(pattern: string, includeType: number, baseDir: string): boolean {
    const file: OpenFile = {
      pattern,
      includeType,
      savedIncludeCheck: this.includeCheck,
      baseDir,
      paths: [],
      next: 0,
      numMatches: 0,
      dir: baseDir,
      lines: [],
      idx: 0,
      lineNo: 0,
    };
    this.stack.unshift(file);
    const g = glob(this.fileSystem, pattern, baseDir);
    const typeOrCheck = this.includeCheck | includeType;
    if (g.paths.length === 0) {
      if (g.missingFiles || g.missingDirectories) this.fileError(/\{/.test(pattern) ? INCLUDE_B : INCLUDE_M, `Config files missing '${pattern}'.`);
      else if (g.hadWildcards && typeOrCheck & INCLUDE_W) this.fileError(INCLUDE_W, `No config files matched '${pattern}'.`);
      this.stack.shift();
      return false;
    }
    if (g.missingDirectories || g.missingFiles) {
      this.fileError(INCLUDE_B, `Some config files missing: "${pattern}".`);
      if (typeOrCheck & INCLUDE_B) {
        this.stack.shift();
        return false;
      }
    }
    file.paths.push(...g.paths);
    if (!this.openNextMatch(file)) {
      this.stack.shift();
      return false;
    }
    return true;
  }

  private openNextMatch(file: OpenFile): boolean {
    while (file.next < file.paths.length) {
      const p = file.paths[file.next++]!;
      if (p.endsWith('/')) {
        this.fileError(INCLUDE_R, `Configuration file '${p}' is a directory - skipping`);
        continue;
      }
      const abs = path.resolve(file.baseDir, p);
      if (this.stack.length > MAX_OPEN_INCLUDES) {
        this.fileError(INCLUDE_R, `Configuration file '${p}' open problem (Too many open files) - skipping`);
        continue;
      }
      // check_glob_file: a file stat() cannot reach (a dangling link glob's lstat found) is no regular file either
      const st = this.fileSystem.stat(abs);
      if (!st?.isFile || st.mode & 0o111) {
        this.fileError(INCLUDE_R, `Configuration file '${p}' is not a regular non-executable file - skipping`);
        continue;
      }
      const read = this.fileSystem.readText(abs, 'latin1');
      if ('error' in read) {
        this.fileError(INCLUDE_R, `Configuration file '${p}' open problem (${read.error}) - skipping`);
        continue;
      }
      const content = read.text;
      file.numMatches++;
      this.filesRead.push(abs);
      if (this.stack.length > 1 || file.paths.length > 1) file.displayName = p;
      file.dir = path.dirname(abs);
      file.lines = splitLines(content);
      file.idx = 0;
      file.lineNo = 0;
      return true;
    }
    return false;
  }

  private nextFile(): boolean {
    const file = this.stack[0]!;
    this.includeCheck = file.savedIncludeCheck;
    if (this.openNextMatch(file)) return true;
    if (!file.numMatches) this.host.log(`No config files matched '${file.pattern}'.`);
    this.stack.shift();
    return this.stack.length > 0;
  }
}

/** Lines as fgets() with a MAXBUF buffer returns them: longer lines arrive in pieces. */
function splitLines(content: string): string[] {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (!lines.some((l) => l.length >= MAXBUF - 1)) return lines;
  const out: string[] = [];
  for (const l of lines) {
    for (let i = 0; i < l.length; i += MAXBUF - 1) out.push(l.slice(i, i + MAXBUF - 1));
    if (l.length === 0) out.push('');
  }
  return out;
}


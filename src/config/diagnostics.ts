/**
 * Configuration diagnostics: keepalived's error classes (same order, because
 * `-t` reports the numerically largest class seen) plus our own precise location.
 */

export enum ConfigErr {
  Ok = 0,
  /* keepalived cannot run the config */
  FileNotFound,
  BadIf,
  Fatal,
  /* errors, but keepalived still runs */
  MultipleFiles,
  UnknownKeyword,
  UnexpectedBob,
  MissingBob,
  UnexpectedEob,
  MissingEob,
  UnmatchedQuote,
  MissingParameter,
  InvalidNumber,
  GeneralError,
  Warning,
  Deprecated,
  /* script security not enabled when needed */
  SecurityError,
}

export interface Location {
  readonly file: string;
  readonly line: number;
  /** 1-based column of the word the diagnostic is about, when known. */
  readonly col?: number;
}

export interface Diagnostic {
  readonly cls: ConfigErr;
  /** keepalived's own text, without the location prefix. */
  readonly message: string;
  /** Where keepalived-ts points: the line (and column) the message is about. */
  readonly loc?: Location;
  /**
   * keepalived's own prefix, `(Line N)` or `(FILE: Line N)`: the line it was reading when it said so, absent for
   * what it says once a file is read.
   */
  readonly prefix?: string;
  /** Our explanation beyond keepalived's text (did-you-mean, recovery notes). */
  readonly hint?: string;
  /** Said by an earlier pass already (keepalived reads the file once per process, and says it again). */
  readonly repeat?: boolean;
}

/** `-t` exit codes, as keepalived's config_test_exit(). */
export const EXIT_OK = 0;
export const EXIT_CONFIG = 4;
export const EXIT_CONFIG_TEST = 5;
export const EXIT_CONFIG_TEST_SECURITY = 6;
/** An include that fails under include_check / includem|w|b|a: keepalived stops with KEEPALIVED_EXIT_NO_CONFIG. */
export const EXIT_NO_CONFIG = 6;
/** A keyword missing its parameter stops keepalived with KEEPALIVED_EXIT_CONFIG. */
export const EXIT_MISSING_PARAMETER = 2;

export function exitCodeFor(worst: ConfigErr): number {
  switch (worst) {
    case ConfigErr.Ok:
      return EXIT_OK;
    case ConfigErr.FileNotFound:
    case ConfigErr.BadIf:
    case ConfigErr.Fatal:
      return EXIT_CONFIG;
    case ConfigErr.SecurityError:
      return EXIT_CONFIG_TEST_SECURITY;
    default:
      return EXIT_CONFIG_TEST;
  }
}

/** keepalived's line: its prefix, when it said it while reading, and its text. */
export function keepalivedText(d: Diagnostic): string {
  return d.prefix ? `${d.prefix} ${d.message}` : d.message;
}

/** The prefix keepalived puts on what it says while reading line `line` of `file`; `showFile`: it names the file. */
export function keepalivedPrefix(file: string, line: number, showFile: boolean): string {
  return showFile ? `(${file}: Line ${line})` : `(Line ${line})`;
}

/**
 * keepalived's line, then where exactly and why, indented so greps for keepalived's text still match; a repeat
 * has keepalived's line only.
 */
export function operatorText(d: Diagnostic): string {
  const detail: string[] = [];
  if (d.loc?.line) detail.push(`at ${d.loc.file}:${d.loc.line}${d.loc.col ? `:${d.loc.col}` : ''}`);
  if (d.hint) detail.push(d.hint);
  return detail.length && !d.repeat ? `${keepalivedText(d)}\n    ${detail.join(' - ')}` : keepalivedText(d);
}

/** A remark of keepalived-ts's own, which keepalived has no line for: indented, apart from keepalived's lines. */
export function noticeText(d: Diagnostic): string {
  return `    note: ${d.message}${d.loc?.line ? ` (at ${d.loc.file}:${d.loc.line})` : ''}`;
}

/** Raised when keepalived would exit(2) at once: a keyword without its parameter (already reported). */
export class MissingParameterError extends Error {}

export class DiagnosticSink {
  private readonly list: Diagnostic[] = [];
  private worstSeen = ConfigErr.Ok;

  add(d: Diagnostic): void {
    this.list.push(d);
    if (d.cls > this.worstSeen) this.worstSeen = d.cls;
  }

  get all(): readonly Diagnostic[] {
    return this.list;
  }

  get worst(): ConfigErr {
    return this.worstSeen;
  }
}

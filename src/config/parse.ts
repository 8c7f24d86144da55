/**
 * Parse a keepalived.conf into the typed model, with keepalived's
 * diagnostics. Like keepalived, the file is read once per process: the
 * parent reads global_defs, the checker, VRRP and BFD processes each read
 * their own roots and skip the others' blocks. The diagnostics hold each
 * message once; the transcript has them as keepalived -t prints them, pass
 * after pass, repeats and all.
 */
import { INCLUDE_B, INCLUDE_M, INCLUDE_R, INCLUDE_W } from './config-files.js';
import { ConfigErr, DiagnosticSink, MissingParameterError, exitCodeFor, keepalivedPrefix, EXIT_MISSING_PARAMETER, EXIT_NO_CONFIG, EXIT_OK, type Diagnostic, type Location } from './diagnostics.js';
import { Engine, KeywordTable, type Keyword } from './engine.js';
import { LineRecording, type LineSource } from './line-recording.js';
import { LineReader } from './reader.js';
import type { ScriptApproval } from './scripts/index.js';
import type { Pass, PassEnv } from './subsystem.js';
import { hostSystem, type SystemPort } from './system.js';
import { globalRootKeywords, newGlobalDraft, validateGlobal, type GlobalDefs } from './global/index.js';
import { newVrrpDraft, validateVrrp, vrrpRootKeywords, type VrrpConfig } from './vrrp/index.js';
import { checkRootKeywords, newCheckDraft, validateCheck, type CheckConfig } from './check/index.js';
import { bfdRootKeywords, newBfdDraft, validateBfd, type BfdConfig } from './bfd/index.js';
import { newTrackFileDraft, trackFileRootKeywords, type TrackFile } from './track-file.js';

export interface ParseOptions {
  /** `-i/--config-id`; default: host name up to the first dot. */
  readonly configId?: string;
  /** Directory a relative config path starts from. */
  readonly cwd?: string;
  readonly system?: SystemPort;
  /** `-t` semantics (numbers with trailing garbage rejected); the daemon uses false. */
  readonly testMode?: boolean;
  readonly randomSeed?: number;
  /** `-s/--namespace`: the network namespace entered instead of the configuration's net_namespace. */
  readonly namespace?: string;
  /**
   * Enters the network namespace at a path (throwing as Node does, `syscall` 'open' or 'setns'), as
   * keepalived's parent does before the children's checks, so that they see its interfaces. Without it
   * the namespace is only looked for (SystemPort.stat).
   */
  readonly enterNamespace?: (path: string) => void;
  /** `-e/--all-config`: every kind of include failure is fatal from the first line (main.c's include_check_set(NULL)). */
  readonly allConfig?: boolean;
}

export interface Config {
  readonly configId: string;
  readonly files: readonly string[];
  readonly global: GlobalDefs;
  readonly vrrp: VrrpConfig;
  readonly check: CheckConfig;
  readonly bfd: BfdConfig;
  readonly trackFiles: readonly TrackFile[];
  /** The scripts script security passed, with the file each runs: nothing else is ever run. */
  readonly approvedScripts: readonly ScriptApproval[];
}

export interface ParseResult {
  readonly config: Config;
  /** Each message once, where it was first said. */
  readonly diagnostics: readonly Diagnostic[];
  /** Every message of every pass in keepalived's order, as `-t` prints them: a message said again is a `repeat`. */
  readonly transcript: readonly Diagnostic[];
  readonly worst: ConfigErr;
  /** keepalived's `-t` exit code for this file. */
  readonly exitCode: number;
  /** Plain log lines keepalived prints without an error class. */
  readonly logs: readonly string[];
  /** keepalived-ts's own remarks (keywords it reads but does not act on); never change the exit code. */
  readonly notices: readonly Diagnostic[];
  /** Every process's part was read to the end: no missing file or parameter, no failed include or namespace stopped it. */
  readonly readToEnd: boolean;
}

export function defaultConfigId(sys: SystemPort): string {
  return sys.hostname().split('.')[0]!;
}

/** Freeze the model; an already frozen object has been visited (shared or cyclic). */
function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

// keepalived installs no sub-keywords under an inactive root, so a block without '{' is not entered
const inactive = (ks: Keyword[]): Keyword[] => ks.map((k) => ({ ...k, sub: undefined, inactive: true }));

export function parseConfig(file: string, opts: ParseOptions = {}): ParseResult {
  const sys = opts.system ?? hostSystem();
  const configId = opts.configId ?? defaultConfigId(sys);
  const testMode = opts.testMode ?? true;
  const sink = new DiagnosticSink();
  const logs: string[] = [];
  const notices: Diagnostic[] = [];
  // Each pass re-reads the file: a message at the same place is reported once.
  const said = new Set<string>();
  const firstTime = (kind: string, message: string, loc: Location | undefined): boolean => {
    const key = `${kind}:${loc?.file}:${loc?.line}:${message}`;
    if (said.has(key)) return false;
    said.add(key);
    return true;
  };
  const notice = (message: string, loc: Location): void => {
    if (firstTime('notice', message, loc)) notices.push({ cls: ConfigErr.Ok, message, loc });
  };
  const transcript: Diagnostic[] = [];
  const global = newGlobalDraft();
  const vrrp = newVrrpDraft();
  const check = newCheckDraft();
  const bfd = newBfdDraft();
  const trackFiles = newTrackFileDraft();
  let files: readonly string[] = [];
  let missingParameter = false;
  const approvedScripts: ScriptApproval[] = [];

  const recording = new LineRecording();
  let reader: LineReader | undefined;
  let opened = false;
  let source: LineSource | undefined;

  const runPass = (pass: Pass, validate: (env: PassEnv) => void): void => {
    // keepalived prefixes the line it is reading; once the file is read its messages carry none
    let reading = false;
    const report = (cls: ConfigErr, message: string, hint?: string, loc?: Location): void => {
      const current = reading && source && source.location.line ? source.location : undefined;
      const at = loc ?? current;
      // the parent reads the files themselves; the others keepalived's consolidated copy, which names each file
      const prefix = current && keepalivedPrefix(current.file, current.line, pass !== 'parent' || source!.showFile);
      const d: Diagnostic = { cls, message, ...(at ? { loc: at } : {}), ...(prefix ? { prefix } : {}), ...(hint !== undefined ? { hint } : {}) };
      if (firstTime('report', message, at)) {
        sink.add(d);
        transcript.push(d);
      } else transcript.push({ ...d, repeat: true });
    };
    const host = { report, log: (m: string) => logs.push(m) };
    if (!reader) {
      reader = new LineReader(host, { configId, cwd: opts.cwd ?? process.cwd(), randomSeed: opts.randomSeed, fileSystem: sys });
      if (opts.allConfig) reader.includeCheck = INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;
      opened = reader.openMain(file);
      source = recording.record(reader);
    } else {
      source = recording.rewind((cls, message) => report(cls, message));
    }
    if (!opened) return;
    const env: PassEnv = { pass, sys, testMode, configId, reader, report, log: host.log, approveScript: (a) => approvedScripts.push(a) };
    // Throwaway drafts for roots a pass reads but does not own (keepalived parses bfd in three processes).
    const roots = new KeywordTable();
    const want = (owner: Pass[], ks: Keyword[]): Keyword[] => (owner.includes(pass) ? ks : inactive(ks));
    roots.addAll(want(['parent'], globalRootKeywords(pass === 'parent' ? global : newGlobalDraft(), env)));
    roots.addAll(want(['vrrp'], vrrpRootKeywords(pass === 'vrrp' ? vrrp : newVrrpDraft(), env, global)));
    roots.addAll(want(['checker'], checkRootKeywords(pass === 'checker' ? check : newCheckDraft(), env, global)));
    roots.addAll(want(['checker', 'vrrp', 'bfd'], bfdRootKeywords(bfd, env, global)));
    roots.addAll(want(['checker', 'vrrp'], trackFileRootKeywords(pass === 'vrrp' ? trackFiles : newTrackFileDraft(), env)));
    const engine = new Engine(source, { report, log: host.log, notice }, testMode);
    try {
      reading = true;
      engine.run(roots, false);
    } catch (e) {
      if (!(e instanceof MissingParameterError)) throw e;
      missingParameter = true;
      return;
    } finally {
      reading = false;
    }
    // each pass reads to the end and counts the blocks left open
    if (reader.blockDepth > 0) report(ConfigErr.MissingEob, `There are ${reader.blockDepth} missing '}'s or extra '{'s`, 'blocks still open at the end of the configuration');
    if (pass === 'parent') files = reader.filesRead;
    validate(env);
  };

  // keepalived's parent may stop before the children's checks (a missing net_namespace): it then exits 0.
  let parentStopped = false;
  runPass('parent', (env) => void (parentStopped = validateGlobal(global, env, { override: opts.namespace, enter: opts.enterNamespace }) === 'stop'));
  // keepalived reads nothing further once a required include failed (had_config_file_error)
  const includeFailed = reader?.fatalIncludeError === true;
  const goOn = (): boolean => !missingParameter && !parentStopped && !includeFailed;
  if (goOn()) runPass('checker', (env) => validateCheck(check, env, global));
  if (goOn()) runPass('vrrp', (env) => validateVrrp(vrrp, env, global));
  if (goOn()) runPass('bfd', (env) => validateBfd(bfd, env, global));

  const model: Config = {
    configId,
    files,
    global,
    vrrp,
    check,
    bfd,
    trackFiles: trackFiles.files,
    approvedScripts,
  };
  // -t discards the model, so only the daemon pays for freezing its hundreds of thousands of objects.
  const config = testMode ? model : deepFreeze(model);
  const exitCode = missingParameter
    ? EXIT_MISSING_PARAMETER
    : includeFailed
      ? EXIT_NO_CONFIG
      : parentStopped
        ? EXIT_OK
        : exitCodeFor(sink.worst);
  const readToEnd = opened && goOn();
  return { config, diagnostics: sink.all, transcript, worst: sink.worst, exitCode, logs, notices, readToEnd };
}


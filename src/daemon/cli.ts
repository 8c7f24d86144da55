/** Entry point: keepalived's command line. */
// only what every run needs loads here: the parent executes itself again (memory-tuning.ts) before the rest loads
import { CliError, parseArgs, readOptions, signalNumber, USAGE, type CliOptions } from './cli-options.js';
import type { ParseResult } from '../config/parse.js';
import { CHILD_ENV } from '../base/child-env.js';
import { applyCommandLineUmask } from './umask.js';
import { execTuned, takeTuning } from './memory-tuning.js';
import { VERSION } from './version.js';

/** The configuration read, and each of its findings as the operator reads it; the reader loads only when called. */
async function readConfiguration(o: CliOptions, testMode: boolean): Promise<{ result: ParseResult; findings: string[] }> {
  const [{ parseConfig }, { noticeText, operatorText }, { enterNetworkNamespace }] = await Promise.all([
    import('../config/parse.js'),
    import('../config/diagnostics.js'),
    import('../base/netns.js'),
  ]);
  const result = parseConfig(o.configFile, { ...readOptions(o), enterNamespace: enterNetworkNamespace, testMode });
  // as keepalived -t prints them, pass after pass; keepalived-ts's own remarks after them
  return { result, findings: [...result.transcript.map(operatorText), ...result.notices.map(noticeText)] };
}

/** Reads the configuration as `-t` does and reports its problems where `-t` does; undefined when the log file cannot be written. */
async function readAsConfigTest(o: CliOptions): Promise<ParseResult | undefined> {
  const { result, findings } = await readConfiguration(o, true);
  const text = findings.join('\n');
  if (!o.configTestLog) {
    // main() exits once this resolves, and a pipe takes a long text in several writes: wait until it has all gone
    if (text) await new Promise<void>((resolve) => process.stderr.write(text + '\n', () => resolve()));
    return result;
  }
  const { writeFileSafely } = await import('../base/safe-file.js');
  try {
    writeFileSafely(o.configTestLog, text ? text + '\n' : '', { mode: 0o600, warn: (m) => process.stderr.write(`${m}\n`) });
  } catch (error) {
    process.stderr.write(`Unable to open config-test log file: ${(error as Error).message}\n`);
    return undefined;
  }
  return result;
}

async function configTest(o: CliOptions): Promise<number> {
  return (await readAsConfigTest(o))?.exitCode ?? 1;
}

/** `--print-config`: `-t`, then the effective configuration (includes, macros, `@id` lines and replicators resolved) on stdout. */
async function printConfig(o: CliOptions): Promise<number> {
  const result = await readAsConfigTest(o);
  if (!result) return 1;
  // a configuration read only in part would print as if the rest were absent
  if (!result.readToEnd) process.stderr.write('keepalived-ts: the configuration was not read to its end: nothing printed\n');
  else {
    // the writer loads only for this option: the daemon and -t never need it
    const { writeConfig } = await import('../config/write.js');
    // the model's strings hold one byte per character, as the reader read them; wait as for -t's findings
    await new Promise<void>((resolve) => process.stdout.write(writeConfig(result.config), 'latin1', () => resolve()));
  }
  return result.exitCode;
}

async function dumpConf(o: CliOptions): Promise<number> {
  const { result, findings } = await readConfiguration(o, false);
  process.stdout.write(JSON.stringify(result.config, null, 2) + '\n');
  for (const finding of findings) process.stderr.write(finding + '\n');
  return 0;
}

/** `--signum=SIGFUNC`: the number on stdout, as keepalived prints it for scripts that signal the daemon. */
async function printSignum(sigfunc: string): Promise<number> {
  const { sigrtmax, sigrtmin } = await import('../base/native.js');
  const signum = signalNumber(sigfunc, sigrtmin(), sigrtmax());
  if (signum === undefined) {
    process.stderr.write(`Unknown sigfunc ${sigfunc}\n`);
    return 1;
  }
  process.stdout.write(`${signum}\n`);
  return 0;
}

function main(argv: readonly string[]): Promise<number> | number {
  // keepalived's genhash, as a subcommand (keepalived: -T/--genhash, which must come first)
  if (argv[0] === 'genhash' || argv[0] === '-T' || argv[0] === '--genhash') return import('../check/genhash.js').then((m) => m.runGenhash(argv.slice(1)));
  let o: CliOptions;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    process.stderr.write(`keepalived-ts: ${e.message}\n${USAGE}`);
    return 1;
  }
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (o.signum !== undefined) return printSignum(o.signum);
  if (o.version) {
    process.stdout.write(`keepalived-ts v${VERSION} (keepalived 2.2.7 compatible)\n`);
    return 0;
  }
  // a child inherits the parent's (and, as keepalived's, reads global_defs' umask again only at a reload)
  if (process.env[CHILD_ENV] === undefined) applyCommandLineUmask(o.umask);
  if (o.printConfig) return printConfig(o);
  if (o.configTest) return configTest(o);
  if (o.dumpConf) return dumpConf(o);
  // the parent's memory settings, in effect here now: nothing this child runs inherits them
  if (process.env[CHILD_ENV] !== undefined) takeTuning(process.env);
  // the daemon's modules (sockets, netlink, logging) load only when it runs, keeping -t quick
  if (process.env[CHILD_ENV] === 'vrrp') return import('./vrrp-child.js').then((m) => m.runVrrpProcess(o));
  if (process.env[CHILD_ENV] === 'check') return import('./checker-child.js').then((m) => m.runCheckerProcess(o));
  // executing again discards all that has loaded: before the daemon's modules (a detaching run's daemon does it itself)
  const untuned = o.dontFork ? execTuned() : undefined;
  return import('./parent.js').then((m) => m.runDaemon(o, argv, untuned));
}

const outcome = main(process.argv.slice(2));
// the daemon's sockets and timers hold the event loop: it exits explicitly once stopped
if (typeof outcome === 'number') process.exitCode = outcome;
else void outcome.then((code) => process.exit(code));

/**
 * keepalived's command line, parsed into options. The only module that
 * interprets argv; flags and spellings follow keepalived 2.2.7 (DESIGN.md §1).
 */
import { parseUmaskOption } from './umask.js';

export interface CliOptions {
  configFile: string;
  configTest: boolean;
  configTestLog?: string;
  /** --print-config: -t, then the effective configuration on stdout (keepalived has no such option). */
  printConfig: boolean;
  dumpConf: boolean;
  dontFork: boolean;
  logConsole: boolean;
  logDetail: boolean;
  /** -S: the syslog facility code of the background daemon (daemon 3, localN 16+N). */
  logFacility: number;
  /** -G */
  noSyslog: boolean;
  vrrpOnly: boolean;
  checkOnly: boolean;
  /** -p, -r, -c as given; without one, the name follows the configuration (pid-names.ts). */
  pidFile?: string;
  vrrpPidFile?: string;
  checkersPidFile?: string;
  /** -s: the network namespace to run in, instead of the configuration's net_namespace. */
  namespace?: string;
  configId?: string;
  dontRespawn: boolean;
  dontReleaseIpvs: boolean;
  /** -V: at stop the VRRP child leaves the VIPs, routes, rules and VMACs and sends no priority-0 advert. */
  dontReleaseVrrp: boolean;
  /** --all: both children run even when the configuration has nothing for one. */
  allChildren: boolean;
  /** -e: every include failure is fatal (as `include_check` with no type). */
  allConfig: boolean;
  /** --signum=SIGFUNC: print that function's signal number and exit. */
  signum?: string;
  /** Accepted as keepalived accepts them; each has nothing to act on here (see `ignoredOptionNotices`). */
  ignored: string[];
  /**
   * -X: read, and as in keepalived 2.2.7 nothing follows from it. There it lets vrrp_restore_interface
   * try to remove the VIPs of an instance whose vipset is false, but netlink_iplist removes only the
   * addresses marked set (or all with -V, or at start-up), and those marks are cleared with vipset;
   * so with or without -X the VIPs leave when they leave without it, and ours do the same.
   */
  releaseVips: boolean;
  metricsListen?: string;
  /** -u: the file creation mask; global_defs `umask` is then ignored. */
  umask?: number;
  version: boolean;
  help: boolean;
}

export class CliError extends Error {}

export const DEFAULT_CONFIG = '/etc/keepalived/keepalived.conf';

interface FlagSpec {
  short?: string;
  long: string;
  /** 'none': a flag; 'required': takes the next word or =value; 'optional': only =value (getopt's optional_argument). */
  arg: 'none' | 'required' | 'optional';
  apply: (o: CliOptions, value: string | undefined) => void;
}

/** keepalived 2.2.7 options with nothing to act on here, and why (logged at start). */
const IGNORED: ReadonlyArray<readonly [string | undefined, string, FlagSpec['arg'], string]> = [
  ['B', 'no_bfd', 'none', 'there is no BFD process'],
  ['b', 'bfd_pid', 'required', 'there is no BFD process'],
  ['a', 'address-monitoring', 'none', 'address additions and deletions are not logged'],
  ['x', 'snmp', 'none', 'SNMP is not provided (see --metrics-listen)'],
  ['A', 'snmp-agent-socket', 'required', 'SNMP is not provided (see --metrics-listen)'],
  ['m', 'core-dump', 'none', 'the core dump limit and pattern are left as they are'],
  ['M', 'core-dump-pattern', 'optional', 'the core dump limit and pattern are left as they are'],
  [undefined, 'config-fd', 'required', 'the configuration is always read from its file'],
];

/** One line per ignored option given, for the daemon's log. */
export function ignoredOptionNotices(o: CliOptions): string[] {
  return [...new Set(o.ignored)].map((option) => `${option} is accepted as keepalived accepts it, but not acted on: ${IGNORED.find(([, long]) => `--${long}` === option)![3]}`);
}

/** keepalived's get_signum: the signal each --signum function sends (SIGSTATS_CLEAR is SIGRTMAX-1, SIGJSON SIGRTMIN+2). */
export function signalNumber(sigfunc: string, sigrtmin: number, sigrtmax: number): number | undefined {
  const numbers: Record<string, number> = { STOP: 15, RELOAD: 1, DATA: 10, STATS: 12, STATS_CLEAR: sigrtmax - 1, JSON: sigrtmin + 2 };
  return Object.hasOwn(numbers, sigfunc) ? numbers[sigfunc] : undefined;
}

/** What the configuration reader takes from the command line. */
export function readOptions(o: CliOptions): { configId?: string; namespace?: string; allConfig: boolean } {
  return { configId: o.configId, namespace: o.namespace, allConfig: o.allConfig };
}

const FLAGS: FlagSpec[] = [
  { short: 'f', long: 'use-file', arg: 'required', apply: (o, v) => (o.configFile = v!) },
  { short: 't', long: 'config-test', arg: 'optional', apply: (o, v) => ((o.configTest = true), (o.configTestLog = v)) },
  { long: 'print-config', arg: 'none', apply: (o) => (o.printConfig = true) },
  { short: 'd', long: 'dump-conf', arg: 'none', apply: (o) => (o.dumpConf = true) },
  { short: 'n', long: 'dont-fork', arg: 'none', apply: (o) => (o.dontFork = true) },
  { short: 'l', long: 'log-console', arg: 'none', apply: (o) => (o.logConsole = true) },
  { short: 'D', long: 'log-detail', arg: 'none', apply: (o) => (o.logDetail = true) },
  { short: 'S', long: 'log-facility', arg: 'required', apply: (o, v) => (o.logFacility = facility(v!)) },
  { short: 'G', long: 'no-syslog', arg: 'none', apply: (o) => (o.noSyslog = true) },
  { short: 'P', long: 'vrrp', arg: 'none', apply: (o) => (o.vrrpOnly = true) },
  { short: 'C', long: 'check', arg: 'none', apply: (o) => (o.checkOnly = true) },
  { short: 'p', long: 'pid', arg: 'required', apply: (o, v) => (o.pidFile = v!) },
  { short: 'r', long: 'vrrp_pid', arg: 'required', apply: (o, v) => (o.vrrpPidFile = v!) },
  { short: 'c', long: 'checkers_pid', arg: 'required', apply: (o, v) => (o.checkersPidFile = v!) },
  { short: 's', long: 'namespace', arg: 'required', apply: (o, v) => (o.namespace = v!) },
  { short: 'i', long: 'config-id', arg: 'required', apply: (o, v) => (o.configId = v!) },
  { short: 'R', long: 'dont-respawn', arg: 'none', apply: (o) => (o.dontRespawn = true) },
  { short: 'I', long: 'dont-release-ipvs', arg: 'none', apply: (o) => (o.dontReleaseIpvs = true) },
  { short: 'V', long: 'dont-release-vrrp', arg: 'none', apply: (o) => (o.dontReleaseVrrp = true) },
  // keepalived's --all sets both subsystems back, so it undoes an earlier -P or -C (and a later one applies)
  { long: 'all', arg: 'none', apply: (o) => ((o.allChildren = true), (o.vrrpOnly = false), (o.checkOnly = false)) },
  { short: 'e', long: 'all-config', arg: 'none', apply: (o) => (o.allConfig = true) },
  { long: 'signum', arg: 'required', apply: (o, v) => (o.signum = v!) },
  // Debian's keepalived is built without --enable-log-file: -g is refused there too
  { short: 'g', long: 'log-file', arg: 'optional', apply: () => { throw new CliError('-g requires configure option --enable-log-file'); } },
  ...IGNORED.map(([short, long, arg]): FlagSpec => ({ short, long, arg, apply: (o) => void o.ignored.push(`--${long}`) })),
  { short: 'X', long: 'release-vips', arg: 'none', apply: (o) => (o.releaseVips = true) },
  { short: 'u', long: 'umask', arg: 'required', apply: (o, v) => (o.umask = umaskOption(v!)) },
  { long: 'metrics-listen', arg: 'required', apply: (o, v) => (o.metricsListen = v!) },
  { short: 'v', long: 'version', arg: 'none', apply: (o) => (o.version = true) },
  { short: 'h', long: 'help', arg: 'none', apply: (o) => (o.help = true) },
];

function umaskOption(text: string): number {
  const mask = parseUmaskOption(text);
  if (mask === undefined) throw new CliError(`invalid --umask option '${text}' (a mask from 0 to 0777, e.g. 0177)`);
  return mask;
}

export function defaultOptions(): CliOptions {
  return {
    configFile: DEFAULT_CONFIG,
    configTest: false,
    printConfig: false,
    dumpConf: false,
    dontFork: false,
    logConsole: false,
    logDetail: false,
    logFacility: FACILITY_DAEMON,
    noSyslog: false,
    vrrpOnly: false,
    checkOnly: false,
    dontRespawn: false,
    dontReleaseIpvs: false,
    dontReleaseVrrp: false,
    allChildren: false,
    allConfig: false,
    ignored: [],
    releaseVips: false,
    version: false,
    help: false,
  };
}

/** syslog.h's LOG_DAEMON >> 3, keepalived's default facility. */
const FACILITY_DAEMON = 3;
const FACILITY_USER = 1;
const FACILITY_LOCAL0 = 16;

/** keepalived's -S values: 0-7 or local0-local7 (LOG_LOCALn), daemon or user. */
function facility(value: string): number {
  const local = /^(?:local)?([0-7])$/.exec(value);
  if (local) return FACILITY_LOCAL0 + Number(local[1]);
  if (value === 'daemon') return FACILITY_DAEMON;
  if (value === 'user') return FACILITY_USER;
  throw new CliError(`Invalid log facility '${value}' (0-7, local0-local7, daemon or user)`);
}

/** getopt_long semantics: bundled short flags, `-fFILE`, `-f FILE`, `--long=V`, `--long V`. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const o = defaultOptions();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = FLAGS.find((f) => f.long === name);
      if (!spec) throw new CliError(`unrecognized option '${a}'`);
      let value = eq < 0 ? undefined : a.slice(eq + 1);
      if (spec.arg === 'none' && value !== undefined) throw new CliError(`option '--${name}' doesn't allow an argument`);
      if (spec.arg === 'required' && value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new CliError(`option '--${name}' requires an argument`);
      }
      spec.apply(o, value);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const spec = FLAGS.find((f) => f.short === a[k]);
        if (!spec) throw new CliError(`invalid option -- '${a[k]}'`);
        if (spec.arg === 'none') {
          spec.apply(o, undefined);
          continue;
        }
        let value: string | undefined = a.slice(k + 1);
        if (spec.arg === 'optional') {
          spec.apply(o, value === '' ? undefined : value.replace(/^=/, ''));
        } else {
          if (value === '') value = argv[++i];
          if (value === undefined) throw new CliError(`option requires an argument -- '${a[k]}'`);
          spec.apply(o, value);
        }
        break;
      }
    } else {
      throw new CliError(`unexpected argument '${a}'`);
    }
  }
  return o;
}

export const USAGE = `Usage: keepalived-ts [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file (default ${DEFAULT_CONFIG})
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                 stderr by default; exit 0 clean, 4, 5 errors/warnings,
                                 6 script security
      --print-config           Check the configuration as -t does, then print it as keepalived
                                 reads it: includes, $VARs, @ID lines and ~SEQ/~LST resolved
  -d, --dump-conf              Dump the parsed configuration as JSON
  -i, --config-id ID           Skip any configuration lines beginning '@' that don't match ID
                                 (default: host name up to the first '.')
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -G, --no-syslog              Don't log via syslog
  -n, --dont-fork              Don't fork the daemon process
  -u, --umask=MASK             umask for file creation (in numeric form, default 0177)
  -R, --dont-respawn           Don't respawn child processes
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
      --all                    Force all child processes to run, even if have no configuration
  -e, --all-config             Error if any configuration file missing (same as include_check)
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -X, --release-vips           Drop VIP on transition from signal
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
      --metrics-listen=HOST:PORT  Serve Prometheus metrics on HOST:PORT
  -v, --version                Display the version number
  -h, --help                   Display this help message
Accepted as keepalived accepts them, with nothing to act on (a line in the log says so):
  -B, --no_bfd, -b, --bfd_pid=FILE, -a, --address-monitoring, -x, --snmp, -A, --snmp-agent-socket=FILE,
  -m, --core-dump, -M, --core-dump-pattern[=PATN], --config-fd=FD
`;

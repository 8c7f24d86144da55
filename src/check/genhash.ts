/**
 * `keepalived-ts genhash`: keepalived's genhash (`keepalived --genhash`,
 * check_genhash.c). It GETs one url as HTTP_GET / SSL_GET would and prints
 * the MD5 digest of the body, the value a url's `digest` wants.
 *
 * Output as keepalived 2.2.7's: the digest alone on a line; a failure's
 * reason (`Timeout connecting`, `Connection failed`, …) on stdout, still
 * with exit status 0; usage and option errors on stderr with status 1.
 * `-m/--fwmark` marks the connection's socket (SO_MARK), as keepalived
 * built with SO_MARK (Debian's) does.
 */
import * as tls from 'node:tls';
import type { Connection } from '../config/check/model.js';
import { formatInet, parseSockAddress } from '../config/sockaddr.js';
import { buildRequest, fetchUrl, type Response } from './probes/http.js';

export interface GenhashIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

interface LongOption {
  readonly name: string;
  readonly short: string;
  readonly hasArg: boolean;
}

const LONG_OPTIONS: readonly LongOption[] = [
  { name: 'help', short: 'h', hasArg: false },
  { name: 'verbose', short: 'v', hasArg: false },
  { name: 'use-ssl', short: 'S', hasArg: false },
  { name: 'use-sni', short: 'I', hasArg: false },
  { name: 'server', short: 's', hasArg: true },
  { name: 'use-virtualhost', short: 'V', hasArg: true },
  { name: 'port', short: 'p', hasArg: true },
  { name: 'url', short: 'u', hasArg: true },
  { name: 'fwmark', short: 'm', hasArg: true },
  { name: 'protocol', short: 'P', hasArg: true },
  { name: 'timeout', short: 't', hasArg: true },
];
const SHORT_FLAGS = 'hvSI';
const SHORT_WITH_ARG = 'sVpumPt';

/** co->connection_to before -t: UINT_MAX microseconds. */
const DEFAULT_TIMEOUT_US = 0xffffffff;

function usage(io: GenhashIo): void {
  io.stderr.write(
    'Usage: keepalived-ts genhash COMMAND [OPTIONS]\n' +
      'Commands:\n' +
      '   -s server-address -p port -u url\n' +
      '   -S -s server-address -p port -u url\n' +
      '   -h\n\n',
  );
  io.stderr.write(
    'Options:\n' +
      'Either long or short options are allowed.\n' +
      '   --use-ssl         -S       Use SSL connection to remote server.\n' +
      '   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n' +
      '   --server          -s       Use the specified remote server address.\n' +
      '   --port            -p       Use the specified remote server port.\n' +
      '   --url             -u       Use the specified remote server url.\n' +
      '   --use-virtualhost -V       Use the specified virtualhost in GET query.\n' +
      '   --verbose         -v       Use verbose mode output.\n' +
      '   --help            -h       Display this short inlined help screen.\n' +
      '   --fwmark          -m       Use the specified FW mark.\n' +
      "   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n" +
      "                                1.0c means 1.0 with 'Connection: close'\n" +
      '   --timeout         -t       Timeout in seconds\n',
  );
}

type Token =
  | { kind: 'option'; short: string; arg?: string }
  | { kind: 'unknown'; text: string }
  | { kind: 'missing'; text: string };

/**
 * getopt_long with ":hvSs:V:p:u:m:P:t:I": short options cluster and take an
 * attached or the next argument, long options may be abbreviated, take
 * `=value` or the next argument, and `--` ends the options. Non-options are
 * gathered, as GNU getopt permutes them to the end.
 */
function* getopt(argv: readonly string[], rest: string[]): Generator<Token> {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      rest.push(...argv.slice(i + 1));
      return;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = word.slice(2, eq >= 0 ? eq : undefined);
      const exact = LONG_OPTIONS.find((o) => o.name === name);
      const prefixed = LONG_OPTIONS.filter((o) => o.name.startsWith(name));
      const opt = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
      if (!opt || (!opt.hasArg && eq >= 0)) yield { kind: 'unknown', text: `Unknown option ${word}` };
      else if (!opt.hasArg) yield { kind: 'option', short: opt.short };
      else if (eq >= 0) yield { kind: 'option', short: opt.short, arg: word.slice(eq + 1) };
      else if (i + 1 < argv.length) yield { kind: 'option', short: opt.short, arg: argv[++i]! };
      else yield { kind: 'missing', text: `Missing parameter for option --${opt.name}` };
      continue;
    }
    if (!word.startsWith('-') || word === '-') {
      rest.push(word);
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const ch = word[j]!;
      if (SHORT_FLAGS.includes(ch)) yield { kind: 'option', short: ch };
      else if (!SHORT_WITH_ARG.includes(ch)) yield { kind: 'unknown', text: `Unknown option -${ch}` };
      else {
        if (j + 1 < word.length) yield { kind: 'option', short: ch, arg: word.slice(j + 1) };
        else if (i + 1 < argv.length) yield { kind: 'option', short: ch, arg: argv[++i]! };
        else yield { kind: 'missing', text: `Missing parameter for option -${ch}` };
        break;
      }
    }
  }
}

interface Request {
  server: { family: 'inet' | 'inet6'; address: string };
  port: number;
  /** The last -u: keepalived fetches only the url it added last. */
  url: string;
  ssl: boolean;
  sni: boolean;
  vhost?: string;
  protocol: '1.0' | '1.0C' | '1.1';
  timeoutUs: number;
  /** -m: SO_MARK; 0 = none. */
  fwmark: number;
  verbose: boolean;
}

/** check_genhash_parse_cmdline: the request, or undefined after printing why (usage follows). */
function parse(argv: readonly string[], io: GenhashIo): Request | undefined {
  if (argv.length <= 1) return undefined;
  const r: Partial<Request> & Pick<Request, 'ssl' | 'sni' | 'protocol' | 'timeoutUs' | 'fwmark' | 'verbose'> = {
    ssl: false,
    sni: false,
    protocol: '1.0',
    timeoutUs: DEFAULT_TIMEOUT_US,
    fwmark: 0,
    verbose: false,
  };
  const rest: string[] = [];
  let bad = false;
  const invalid = (text: string): undefined => {
    io.stderr.write(`${text}\n`);
    return undefined;
  };
  for (const t of getopt(argv, rest)) {
    if (t.kind !== 'option') {
      io.stderr.write(`${t.text}\n`);
      bad = true;
      continue;
    }
    const arg = t.arg ?? '';
    switch (t.short) {
      case 'h':
        bad = true;
        break;
      case 'v':
        r.verbose = true;
        break;
      case 'S':
        r.ssl = true;
        break;
      case 'I':
        r.sni = true;
        break;
      case 's': {
        const a = parseSockAddress(arg);
        if (!a) return invalid(`server should be an IP, not ${arg}`);
        r.server = { family: a.family, address: formatInet(a) };
        break;
      }
      case 'V':
        r.vhost = arg;
        break;
      case 'p': {
        // strtol: leading white space and a sign, then nothing after the digits.
        const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(arg);
        const port = m ? Number(m[1]) : NaN;
        if (!(port >= 1 && port <= 65535)) return invalid(`invalid port number '${arg}'`);
        r.port = port;
        break;
      }
      case 'u':
        r.url = arg;
        break;
      case 'm': {
        // (unsigned)strtoul after spaces and tabs, to the end of the word; an empty one is 0
        const m = /^[ \t]*(\+?)(\d*)$/.exec(arg);
        if (!m || (m[1] === '+' && m[2] === '')) return invalid(`invalid fwmark '${arg}'`);
        const ulong = m[2] === '' ? 0n : BigInt(m[2]!) > 0xffffffffffffffffn ? 0xffffffffffffffffn : BigInt(m[2]!);
        r.fwmark = Number(ulong & 0xffffffffn);
        break;
      }
      case 'P':
        if (arg === '1.0') r.protocol = '1.0';
        else if (arg === '1.0c' || arg === '1.0C') r.protocol = '1.0C';
        else if (arg === '1.1') r.protocol = '1.1';
        else return invalid(`invalid HTTP protocol version '${arg}'`);
        break;
      case 't': {
        const m = /^[ \t]*\+?(\d+)$/.exec(arg);
        if (!m) return invalid(`invalid timeout '${arg}'`);
        // (unsigned)strtoul(…) * TIMER_HZ, in keepalived's 32-bit unsigned arithmetic.
        const ulong = BigInt(m[1]!) > 0xffffffffffffffffn ? 0xffffffffffffffffn : BigInt(m[1]!);
        r.timeoutUs = Number(((ulong & 0xffffffffn) * 1_000_000n) & 0xffffffffn);
        break;
      }
    }
  }
  if (bad) return undefined;
  if (rest.length > 0) return invalid(`Unexpected argument(s): ${rest.join(' ')}`);
  if (!r.server || r.port === undefined || r.url === undefined) return undefined;
  return r as Request;
}

/** keepalived's dump_buffer: offset, 16 hex bytes with a dash after 8, then the printable ones. */
export function dumpBuffer(buf: Uint8Array): string {
  let out = '';
  const rows = Math.ceil(buf.length / 16) * 16;
  for (let i = 0; i < rows; i++) {
    if (i % 16 === 0) out += `${String(i & 0xffff).padStart(4, '0')} `;
    out += i < buf.length ? ` ${buf[i]!.toString(16).padStart(2, '0')}` : '   ';
    if ((i + 1) % 16 === 8) out += ' -';
    else if ((i + 1) % 16 === 0) {
      out += '   ';
      for (let j = i - 15; j <= i; j++) {
        const b = buf[j];
        out += j >= buf.length ? ' ' : b! >= 0x20 && b! <= 0x7e ? String.fromCharCode(b!) : '.';
      }
      out += '\n';
    }
  }
  return out;
}

const banner = (title: string): string => `-----------------------[${title}]-----------------------\n`;

/** What -v adds before the digest: the header in hex and text, the hashed body, the digest in hex. */
function verboseDump(res: Response): string {
  let out = banner('    HTTP Header Buffer    ') + dumpBuffer(res.header);
  out += banner(' HTTP Header Ascii Buffer ') + `${res.header.toString('latin1')}\n`;
  if (res.body!.length > 0) out += banner('        HTML Buffer        ') + dumpBuffer(res.body!);
  out += '\n' + banner('    HTML hash resulting    ') + dumpBuffer(Buffer.from(res.digest!, 'hex'));
  return out + banner(' HTML hash final resulting ');
}

/**
 * Runs genhash with `argv`, the words after `genhash`; resolves to the exit status.
 */
export async function runGenhash(argv: readonly string[], io: GenhashIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const req = parse(argv, io);
  if (!req) {
    usage(io);
    return 1;
  }
  const started = process.hrtime.bigint();
  const connection: Connection = {
    dst: { ...req.server, port: req.port },
    bindPort: 0,
    fwmark: req.fwmark,
    connectTimeoutUs: req.timeoutUs,
  };
  const servername = req.sni && req.vhost !== undefined ? req.vhost : undefined;
  const r = await fetchUrl(
    {
      connection,
      ...(req.ssl && { tls: { secureContext: tls.createSecureContext(), ...(servername !== undefined && { servername }) } }),
      request: buildRequest(req.url, req.protocol, connection.dst, req.vhost),
      want: { digest: true, body: req.verbose },
    },
    new AbortController().signal,
  );
  let status = 0;
  switch (r.kind) {
    case 'response':
      io.stdout.write(`${req.verbose ? verboseDump(r.response) : ''}${r.response.digest}\n`);
      break;
    case 'empty':
      io.stderr.write('no data received from remote webserver\n');
      break;
    case 'error':
      io.stdout.write(`${r.reason}\n`);
      break;
    case 'connect':
      if (r.failure === 'error') {
        // keepalived would retry this forever; one attempt is enough to report it.
        io.stderr.write('WEB socket bind failed. Rescheduling\n');
        status = 1;
      } else if (r.failure === 'timeout') io.stdout.write('Timeout connecting\n');
      else if (r.failure === 'handshake') io.stdout.write('SSL handshake/communication error connecting to\n');
      else io.stdout.write('Connection failed\n');
      break;
  }
  if (req.verbose) {
    const us = (process.hrtime.bigint() - started) / 1000n;
    io.stdout.write(`\nGlobal response time for [${req.url}] = ${us} usecs\n`);
  }
  return status;
}

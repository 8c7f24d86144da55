/**
 * `--metrics-listen HOST:PORT`: the parent process serves GET /metrics with
 * node:http. Each scrape asks every child over its IPC channel (each has
 * its own registry, src/observe/vrrp-metrics.ts and check-metrics.ts) and
 * joins the answers after the parent's own families: `keepalived_up`,
 * which child answered, and the build. A child that does not answer within
 * the timeout is left out of that scrape and shows as
 * keepalived_ts_process_up 0.
 */
import * as http from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { monotonicClock } from '../base/clock.js';
import { requestMetrics, type IpcChannel } from './metrics-ipc.js';
import { RateLimitedLog } from '../log/rate-limited-log.js';
import { registerProcessMetrics } from './process-metrics.js';

export interface ListenAddress {
  /** Without brackets; '' for every address. */
  host: string;
  port: number;
}

/** HOST:PORT, [IPv6]:PORT or :PORT; undefined when it is none of them. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const m = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]\s]*):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  return { host: m[1]!, port };
}

export interface MetricsChild {
  /** The process label: `vrrp`, `healthcheck`. */
  name: string;
  /** The child's IPC channel; undefined while it is not running. */
  channel(): IpcChannel | undefined;
}

export interface MetricsServerOptions {
  version: string;
  /** How long a child may take to answer (1 s by default). */
  timeoutMs?: number;
  /** Connections held at once; more are closed as they come (64 by default: a scraper needs one or two). */
  maxConnections?: number;
  /** A connection idle this long, or whose request is not in by then, is closed (10 s by default). */
  idleTimeoutMs?: number;
  /** Errors of the listening socket once it listens (EMFILE on accept); without a listener they would end the process. */
  onError?: (error: Error) => void;
}

const DEFAULT_MAX_CONNECTIONS = 64;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;

/**
 * Exposition texts joined, each metric family once, under its first HELP and TYPE: a family that comes again (each
 * process's keepalived_ts_process_* with its own `process` label) adds the samples of series not seen yet, so a
 * series two processes both export keeps its first value.
 */
export function mergeExpositions(texts: readonly string[]): string {
  const blocks = new Map<string, { header: string[]; samples: string[]; series: Set<string> }>();
  for (const text of texts) {
    let block: { header: string[]; samples: string[]; series: Set<string> } | undefined;
    let fresh = false;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const family = /^# (?:HELP|TYPE) (\S+)/.exec(line)?.[1];
      if (family !== undefined) {
        if (block === undefined || !blocks.has(family) || blocks.get(family) !== block) {
          fresh = !blocks.has(family);
          if (fresh) blocks.set(family, { header: [], samples: [], series: new Set() });
          block = blocks.get(family)!;
        }
        if (fresh) block.header.push(line);
        continue;
      }
      if (line.startsWith('#')) {
        // another comment (a child's "metrics of this process failed") stays, where it came
        blocks.set(`#${blocks.size}`, { header: [line], samples: [], series: new Set() });
        continue;
      }
      if (block === undefined) continue;
      // the series: the sample's name and labels, without its value
      const series = line.slice(0, line.lastIndexOf(' '));
      if (block.series.has(series)) continue;
      block.series.add(series);
      block.samples.push(line);
    }
  }
  const out = [...blocks.values()].flatMap((b) => [...b.header, ...b.samples]);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

export class MetricsServer {
  private readonly registry = new Registry();
  private readonly processUp: Gauge<'process'>;
  private server: http.Server | undefined;
  private readonly stopProcessMetrics: () => void;

  constructor(
    private readonly children: readonly MetricsChild[],
    private readonly options: MetricsServerOptions,
  ) {
    const registers = [this.registry];
    new Gauge({ name: 'keepalived_up', help: 'Status: 1 while the keepalived-ts parent process runs', registers }).set(1);
    this.processUp = new Gauge({
      name: 'keepalived_ts_process_up',
      help: 'Whether the child process answered this scrape (1) or not (0: restarting, stopped, or no answer within the timeout)',
      labelNames: ['process'],
      registers,
    });
    new Gauge({ name: 'keepalived_ts_build_info', help: 'keepalived-ts version; value 1', labelNames: ['version'], registers }).set({ version: options.version }, 1);
    this.stopProcessMetrics = registerProcessMetrics(this.registry, 'parent');
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One scrape: the children asked in parallel, then every text joined. */
  async scrape(): Promise<string> {
    const timeoutMs = this.options.timeoutMs ?? 1000;
    const answers = await Promise.all(this.children.map((c) => requestMetrics(c.channel(), timeoutMs)));
    this.children.forEach((c, i) => this.processUp.set({ process: c.name }, answers[i] === undefined ? 0 : 1));
    const own = await this.registry.metrics();
    return mergeExpositions([own, ...answers.filter((a): a is string => a !== undefined)]);
  }

  /** Connections open now. */
  connections(): Promise<number> {
    const server = this.server;
    if (!server) return Promise.resolve(0);
    return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
  }

  /** Starts serving; rejects when the address cannot be bound. Resolves with the bound port. */
  listen(address: ListenAddress): Promise<number> {
    // Node's defaults (no connection cap, 60 s to send headers, checked every 30 s) let idle connections use up the parent's descriptors
    const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const server = http.createServer(
      { headersTimeout: idleMs, requestTimeout: 2 * idleMs, keepAliveTimeout: idleMs, connectionsCheckingInterval: Math.min(1000, idleMs) },
      (req, res) => void this.handle(req, res),
    );
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    // with no 'timeout' listener, a socket idle this long is destroyed
    server.setTimeout(idleMs);
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address.host === '' ? undefined : address.host, port: address.port }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.options.onError?.(error));
        const bound = server.address();
        resolve(typeof bound === 'object' && bound !== null ? bound.port : address.port);
      });
    });
  }

  close(): Promise<void> {
    this.stopProcessMetrics();
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return;
    }
    try {
      const text = await this.scrape();
      res.writeHead(200, { 'Content-Type': this.contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (error) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${(error as Error).message}\n`);
    }
  }
}

/**
 * The daemon's part: serves when `--metrics-listen` was given (the address
 * already checked with parseListenAddress). A failure to bind is logged and
 * the daemon runs on without metrics: they must not take the VIPs down.
 */
export function startMetricsServer(
  listen: string | undefined,
  children: readonly MetricsChild[],
  log: { info(message: string): void; error(message: string): void },
  version: string,
): MetricsServer | undefined {
  const address = listen === undefined ? undefined : parseListenAddress(listen);
  if (!address) return undefined;
  // accept errors repeat for every connection attempt while they last
  const errors = new RateLimitedLog(monotonicClock, 10_000_000);
  const onError = (error: Error): void => errors.write((error as NodeJS.ErrnoException).code ?? error.message, `Metrics server: ${error.message}`, (line) => log.error(line));
  const server = new MetricsServer(children, { version, onError });
  server.listen(address).then(
    (port) => log.info(`Serving metrics on http://${address.host.includes(':') ? `[${address.host}]` : address.host || '*'}:${port}/metrics`),
    (error: Error) => log.error(`Cannot serve metrics on ${listen}: ${error.message}`),
  );
  return server;
}

/**
 * A Prometheus scraper for the soak (soak/long-soak.ts), run in the lab's namespace next to the daemons:
 *   node build/lab/metrics-scraper.js INTERVAL_MS PREFIX URL...
 * Every INTERVAL_MS it GETs each URL (2 s timeout) and prints one JSON line per scrape (ScrapeLine): how long the
 * answer took and the samples whose name starts with PREFIX.
 */

export interface ScrapeLine {
  readonly url: string;
  /** Monotonic time the scrape began (ms, process.hrtime: one clock for every namespace). */
  readonly at: number;
  readonly ok: boolean;
  readonly ms: number;
  /** `name{labels}` → value. */
  readonly samples: Record<string, number>;
  readonly error?: string;
}

function samplesOf(text: string, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const space = line.lastIndexOf(' ');
    out[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return out;
}

async function scrape(url: string, prefix: string): Promise<ScrapeLine> {
  const at = Number(process.hrtime.bigint()) / 1e6;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    return { url, at, ok: res.ok, ms: Number(process.hrtime.bigint()) / 1e6 - at, samples: samplesOf(text, prefix) };
  } catch (error) {
    return { url, at, ok: false, ms: Number(process.hrtime.bigint()) / 1e6 - at, samples: {}, error: (error as Error).message };
  }
}

const [interval, prefix, ...urls] = process.argv.slice(2);
if (interval === undefined || prefix === undefined || urls.length === 0) {
  process.stderr.write('usage: metrics-scraper INTERVAL_MS PREFIX URL...\n');
  process.exit(2);
}
const tick = async (): Promise<void> => {
  const lines = await Promise.all(urls.map((u) => scrape(u, prefix)));
  for (const l of lines) process.stdout.write(`${JSON.stringify(l)}\n`);
};
setInterval(() => void tick(), Number(interval));

/**
 * Which root layers a vitest command line will run, so the set-up prepares
 * only those: vitest takes its positional arguments as substrings of test
 * file paths, and with none it runs everything.
 */
import type { Layer } from '../../lab/requirements.js';

/** vitest options whose value is the next argument (the rest are flags or `--opt=value`). */
const TAKES_VALUE = new Set(['-t', '--testNamePattern', '-c', '--config', '-r', '--root', '--dir', '--project', '--reporter', '--outputFile', '--pool', '--shard', '--mode', '--environment']);
const COMMANDS = new Set(['run', 'watch', 'dev', 'related']);

/** The filters in `argv` (process.argv after the node binary and vitest's script). */
export function vitestFilters(argv: readonly string[]): string[] {
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (TAKES_VALUE.has(a)) i++;
    else if (!a.startsWith('-') && !(filters.length === 0 && COMMANDS.has(a))) filters.push(a);
  }
  return filters;
}

/** `files`: each layer's test files, relative to the project (e.g. test/netns/x.test.ts). */
export function selectedLayers(filters: readonly string[], files: Readonly<Record<Layer, readonly string[]>>): Layer[] {
  const layers = Object.keys(files) as Layer[];
  if (filters.length === 0) return layers;
  return layers.filter((layer) => files[layer].some((f) => filters.some((filter) => f.includes(filter.replace(/^\.\//, '')))));
}

/**
 * What each child reads at SIGHUP before it lets go of anything: the configuration as it is now, taken only when
 * config/reload-check.ts accepts it. The parent checked the file when the signal came, but the file is read again
 * here, later: it may have been deleted, half rewritten or broken meanwhile, and the children must then keep
 * their running configuration (an empty one would remove every VIP and every IPVS service).
 */
import type { Logger } from '../base/logger.js';
import { operatorText } from '../config/diagnostics.js';
import { parseConfig, type ParseOptions, type ParseResult } from '../config/parse.js';
import { reloadVerdict } from '../config/reload-check.js';

/** The parsed configuration, or undefined once it has logged why the running one is kept. */
export function readForReload(file: string, options: ParseOptions, log: Logger, parse: typeof parseConfig = parseConfig): ParseResult | undefined {
  let parsed: ParseResult;
  try {
    parsed = parse(file, options);
  } catch (error) {
    log.error(`Reload aborted: the new configuration cannot be read (${(error as Error).message}); the running one is kept`);
    return undefined;
  }
  const verdict = reloadVerdict(parsed);
  if (verdict.accept) return parsed;
  for (const d of verdict.blockers) log.warn(operatorText(d));
  log.error(`Reload aborted: the new configuration has errors; the running one is kept\n    ${verdict.reason}`);
  return undefined;
}

/**
 * What writing a model back as text must keep: all of it but its source
 * locations, the files it was read from, and which default script user the
 * parser looked up (a cache of the parse that no setting depends on once
 * read; only a made-up script, which -t would report, could set it again).
 */
import type { Config } from '../../../src/config/parse.js';
import { stripLocations } from './strip-locations.js';

export function writtenModel(c: Config): unknown {
  return stripLocations({ ...c, files: undefined, global: { ...c.global, defaultScriptUser: undefined } });
}

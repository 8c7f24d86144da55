/**
 * The model back to keepalived.conf text (what `--print-config` prints)
 * which, read again with the same options on the same host, gives the same
 * model (source locations aside).
 * Sections come in an order keepalived reads them in: the parent's settings
 * first, then what later blocks refer to, the checker part last. Like the
 * model's strings, the text holds one character per byte (the reader reads
 * files as latin1), so it is to be written out as latin1.
 */
import { writeBfd } from './bfd/write.js';
import { writeCheck } from './check/write.js';
import { writeGlobalDefs, writeGlobalRoot } from './global/write.js';
import type { Config } from './parse.js';
import { writeTrackFiles, writeVrrp } from './vrrp/write.js';

export function writeConfig(config: Config): string {
  const sections = [
    writeGlobalRoot(config.global),
    writeGlobalDefs(config.global),
    writeBfd(config.bfd, config.vrrp.trackedBfds),
    writeTrackFiles(config.trackFiles),
    writeVrrp(config.vrrp, config.global),
    writeCheck(config.check),
  ];
  return `${sections
    .filter((s) => s.length)
    .map((s) => s.join('\n'))
    .join('\n\n')}\n`;
}

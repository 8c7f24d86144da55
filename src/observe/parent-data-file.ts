/**
 * SIGUSR1's keepalived_parent.data: the parent's global definitions, as
 * keepalived 2.2.7's parent writes them after passing the signal on
 * (main.c propagate_signal → print_parent_data → dump_global_data).
 */
import type { Config } from '../config/parse.js';
import { writeFileSafely } from '../base/safe-file.js';
import { dumpFileName } from './data-file.js';
import { globalDefinitionLines } from './global-dump.js';
import { DUMP_FILE_MODE, dumpFilePath } from './stats-file.js';

export function parentDataText(global: Config['global']): string {
  return globalDefinitionLines(global, 'parent')
    .map((l) => `${l}\n`)
    .join('');
}

/** $TMPDIR/keepalived_parent.data (or keepalived_parent.NS_INSTANCE.data), a new 0600 file as keepalived.data. */
export function writeParentDataFile(global: Config['global'], warn: (message: string) => void): string {
  const file = dumpFilePath(dumpFileName('keepalived_parent.data', global));
  writeFileSafely(file, parentDataText(global), { mode: DUMP_FILE_MODE, warn });
  return file;
}

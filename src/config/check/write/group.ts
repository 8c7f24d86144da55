/** `virtual_server_group NAME { … }` as text. */
import type { VirtualServerGroup, VsgEntry } from '../model.js';
import { block, quoteWord } from '../../quote.js';

function entryLine(e: VsgEntry): string {
  if (e.kind === 'fwmark') return `fwmark ${e.fwmark}${e.family ? ` ${e.family}` : ''}`;
  // the full `first-last` form reads back whatever the range was written as
  const range = e.start === e.end ? e.start : `${e.start}-${e.end}`;
  return e.port ? `${range} ${e.port}` : range;
}

export function groupBlock(g: VirtualServerGroup): string[] {
  return block(`virtual_server_group ${quoteWord(g.name)}`, g.entries.map(entryLine));
}

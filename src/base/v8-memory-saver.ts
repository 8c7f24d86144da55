/**
 * V8's memory saver mode: smaller heap growth steps and a young generation kept small, for some more collector work.
 * V8 13 (Node 24) and later know the flag; on older ones it is left alone (V8 would print an unknown flag).
 */
import { setFlagsFromString } from 'node:v8';

const FIRST_V8_WITH_SAVER = 13;

/** True when set; V8 reads it at each collection, so it takes effect from the next one. */
export function enableMemorySaver(v8Version: string = process.versions.v8): boolean {
  if (Number.parseInt(v8Version, 10) < FIRST_V8_WITH_SAVER) return false;
  setFlagsFromString('--memory-saver-mode');
  return true;
}

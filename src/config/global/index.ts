/** global_defs and the other root keywords the parent process reads. */
import type { Keyword } from '../engine.js';
import type { PassEnv } from '../subsystem.js';

export interface GlobalDefs {
  readonly routerId?: string;
}

export type GlobalDraft = { -readonly [K in keyof GlobalDefs]: GlobalDefs[K] };

export function newGlobalDraft(): GlobalDraft {
  return {};
}

export function globalRootKeywords(_g: GlobalDraft, _env: PassEnv): Keyword[] {
  return [];
}

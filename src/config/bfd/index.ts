/** bfd_instance blocks (read by the checker, VRRP and BFD processes). */
import type { Keyword } from '../engine.js';
import type { GlobalDefs } from '../global/index.js';
import type { PassEnv } from '../subsystem.js';

export interface BfdConfig {
  readonly instances: readonly unknown[];
}

export type BfdDraft = { instances: unknown[] };

export function newBfdDraft(): BfdDraft {
  return { instances: [] };
}

export function bfdRootKeywords(_d: BfdDraft, _env: PassEnv, _g: GlobalDefs): Keyword[] {
  return [];
}

export function validateBfd(_d: BfdDraft, _env: PassEnv, _g: GlobalDefs): void {}

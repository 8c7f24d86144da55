/** The VRRP process's configuration: roots, keywords and validation. */
import type { Keyword } from '../engine.js';
import type { GlobalDefs } from '../global/index.js';
import type { PassEnv } from '../subsystem.js';

export interface VrrpConfig {
  readonly instances: readonly unknown[];
}

export type VrrpDraft = { instances: unknown[] };

export function newVrrpDraft(): VrrpDraft {
  return { instances: [] };
}

export function vrrpRootKeywords(_d: VrrpDraft, _env: PassEnv, _g: GlobalDefs): Keyword[] {
  return [];
}

export function validateVrrp(_d: VrrpDraft, _env: PassEnv, _g: GlobalDefs): void {}

/** The checker process's configuration: virtual servers, real servers, checkers. */
import type { Keyword } from '../engine.js';
import type { GlobalDefs } from '../global/index.js';
import type { PassEnv } from '../subsystem.js';

export interface CheckConfig {
  readonly virtualServers: readonly unknown[];
}

export type CheckDraft = { virtualServers: unknown[] };

export function newCheckDraft(): CheckDraft {
  return { virtualServers: [] };
}

export function checkRootKeywords(_d: CheckDraft, _env: PassEnv, _g: GlobalDefs): Keyword[] {
  return [];
}

export function validateCheck(_d: CheckDraft, _env: PassEnv, _g: GlobalDefs): void {}

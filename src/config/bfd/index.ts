/** bfd_instance blocks (read by the checker, VRRP and BFD processes). */
import type { GlobalDefs } from '../global/index.js';
import type { PassEnv } from '../subsystem.js';
import type { BfdDraft } from './model.js';

export * from './model.js';
export { bfdRootKeywords } from './keywords.js';

/** Each instance is checked as its block closes (keepalived's end handler); nothing is left for afterwards. */
export function validateBfd(_d: BfdDraft, _env: PassEnv, _g: GlobalDefs): void {}

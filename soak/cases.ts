/** The reliability cases in the order; `npm run soak` runs those selected. */
import type { SoakCase } from './case.js';
import { longSoak } from './long-soak.js';

export const CASES: readonly SoakCase[] = [longSoak];

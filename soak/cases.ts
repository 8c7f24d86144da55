/** The reliability cases in the order; `npm run soak` runs those selected. */
import type { SoakCase } from './case.js';
import { crashCycles } from './crash-cycles.js';

export const CASES: readonly SoakCase[] = [crashCycles];

/** The reliability cases in the order; `npm run soak` runs those selected. */
import type { SoakCase } from './case.js';
import { environmentFaults } from './environment-faults.js';

export const CASES: readonly SoakCase[] = [environmentFaults];

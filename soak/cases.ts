/** The reliability cases in the order; `npm run soak` runs those selected. */
import type { SoakCase } from './case.js';
import { crashCycles } from './crash-cycles.js';
import { environmentFaults } from './environment-faults.js';
import { hostilePackets } from './hostile-packets.js';
import { hostileServersCase } from './hostile-servers.js';
import { kernelReplies } from './kernel-replies.js';
import { longSoak } from './long-soak.js';
import { reloadStorms } from './reload-storms.js';

export const CASES: readonly SoakCase[] = [crashCycles, hostilePackets, kernelReplies, hostileServersCase, reloadStorms, environmentFaults, longSoak];

/**
 * The IPVS reconcile loop converges under a hostile kernel: whatever the kernel held at start (our services
 * spoiled, someone else's), whatever it refuses (EBUSY, ENOMEM) or loses to a racing actor (EEXIST, ENOENT,
 * ESRCH), each pass reaches the desired table within one round per fault plus one, leaves others' services
 * alone, and a further pass sends nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convergeUnderFaults, faultPlanArb, faultCheckConfig, type KernelFault } from '../../../lab/ipvs-faults.js';
import { tempDir } from '../../tmp.js';

const config = faultCheckConfig(tempDir('ipvs-faults'));

describe('IpvsSync under injected kernel faults', () => {
  it('converges within faults + 1 rounds, without churn afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(faultPlanArb(config, 30), async (plan) => {
        const result = await convergeUnderFaults(config, plan);
        expect(result.converged).toBe(true);
        expect(result.maxRounds).toBeLessThanOrEqual(result.faultsInjected + 1);
        expect(result.opsAfter).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it.each<KernelFault>(['EBUSY', 'ENOMEM', 'race'])('a start where every one of the first 10 requests meets %s still converges', async (fault) => {
    const result = await convergeUnderFaults(config, { initial: [], faults: Array<KernelFault>(10).fill(fault), changes: [[0, 1, false]], maxRounds: 12 });
    expect(result).toMatchObject({ converged: true, opsAfter: 0 });
    expect(result.faultsInjected).toBe(10);
  });
});

/** For a root layer's test files: run, or skip with the reason the set-up (test/setup/global-setup.ts) gave. */
import { inject } from 'vitest';
import { hostOf } from '../../lab/host.js';
import { planLayer, type Layer } from '../../lab/requirements.js';

export type LayerVerdicts = Partial<Record<Layer, 'ready' | 'skip'>>;

declare module 'vitest' {
  export interface ProvidedContext {
    testLayers: LayerVerdicts;
  }
}

/** true: run the layer's tests. A skip was already explained in one line by the set-up; in CI it threw instead. */
export function requireLayerOrSkip(layer: Layer): boolean {
  const decided = inject('testLayers')?.[layer];
  if (decided !== undefined) return decided === 'ready';
  // The command line did not select the layer's folder (e.g. a unit test uses a namespace): decide here, install nothing.
  const plan = planLayer(layer, hostOf());
  if (plan.kind === 'ready') return true;
  if (plan.kind === 'fail') throw new Error(plan.message);
  const line = plan.kind === 'skip' ? plan.line : `${layer} tests skipped: ${plan.packages.join(' ')} missing (the set-up installs them when the run includes test/${layer})`;
  if (hostOf().ci) throw new Error(line);
  console.warn(line);
  return false;
}

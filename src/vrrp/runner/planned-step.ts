/**
 * The outcome of one reducer step as the runner carries it out: first the
 * state changes it made (metrics, last_transition), then its actions.
 */
import type { InstanceState, StepResult, VrrpStateName } from '../fsm/step.js';
import type { GroupAction, GroupStepResult } from '../fsm/sync-group.js';

export interface StateChange {
  instance: string;
  from: VrrpStateName;
  to: VrrpStateName;
}

export interface PlannedStep {
  /** The sync group whose notify scripts its group-wide actions use; none for a lone instance. */
  readonly group?: string;
  readonly transitions: readonly StateChange[];
  /** Each with the instance it concerns (none: the group's own). */
  readonly actions: readonly GroupAction[];
}

/** `before[k]` and `after[k]` are the same instance. */
function stateChanges(before: readonly InstanceState[], after: readonly InstanceState[]): StateChange[] {
  return before.flatMap((b, k) => {
    const a = after[k]!;
    return b.state === a.state ? [] : [{ instance: a.settings.name, from: b.state, to: a.state }];
  });
}

export function plannedInstanceStep(name: string, before: InstanceState, result: StepResult): PlannedStep {
  return { transitions: stateChanges([before], [result.state]), actions: result.actions.map((action) => ({ instance: name, action })) };
}

export function plannedGroupStep(group: string, before: readonly InstanceState[], result: GroupStepResult): PlannedStep {
  return { group, transitions: stateChanges(before, result.group.members), actions: result.actions };
}

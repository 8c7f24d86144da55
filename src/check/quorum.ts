/**
 * Quorum with hysteresis (update_quorum_state): a virtual server gains quorum
 * when the weight of its alive real servers reaches quorum + hysteresis and
 * loses it below quorum − hysteresis (or at no weight at all), so weights
 * inside the band never flip it.
 */

export interface QuorumSettings {
  readonly quorum: number;
  readonly hysteresis: number;
}

export interface QuorumStep {
  readonly up: boolean;
  readonly changed: boolean;
  /** The bound compared against, as keepalived logs it. */
  readonly threshold: number;
}

export function quorumThreshold(s: QuorumSettings, up: boolean): number {
  return s.quorum + (up ? -s.hysteresis : s.hysteresis);
}

export function stepQuorum(s: QuorumSettings, up: boolean, weightSum: number): QuorumStep {
  const threshold = quorumThreshold(s, up);
  if (!up && weightSum >= threshold) return { up: true, changed: true, threshold };
  if (up && (weightSum === 0 || weightSum < threshold)) return { up: false, changed: true, threshold };
  return { up, changed: false, threshold };
}

/** A model without its source locations, for comparing models read from different files. */

const isLocation = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && typeof (v as { file?: unknown }).file === 'string' && typeof (v as { line?: unknown }).line === 'number';

/** A deep copy without `loc` fields or any other Location object (interfaceLoc, membersLoc, …). */
export function stripLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripLocations);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'loc' || isLocation(v)) continue;
    out[k] = stripLocations(v);
  }
  return out;
}

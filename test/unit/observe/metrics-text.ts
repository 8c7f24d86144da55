/** Reading Prometheus exposition text in tests. */

/** The value of the sample `name{labels}` (labels in any order, all of them given), or undefined. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[l[1]!] = l[2]!;
    const want = Object.entries(labels);
    if (want.length !== Object.keys(have).length || !want.every(([k, v]) => have[k] === v)) continue;
    return Number(m[3]);
  }
  return undefined;
}

/** Family names in the order of their HELP lines. */
export function families(text: string): string[] {
  return [...text.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]!);
}

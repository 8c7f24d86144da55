/** Which root layers a vitest command line selects: the set-up prepares only those. */
import { describe, expect, it } from 'vitest';
import { selectedLayers, vitestFilters } from '../../setup/selected-layers.js';

const files = { netns: ['test/netns/vrrp-interop.test.ts', 'test/netns/syslog.test.ts'], vm: ['test/vm/ipvs-kernel.test.ts'] };
const layersOf = (...argv: string[]): string[] => selectedLayers(vitestFilters(argv), files);

describe('selectedLayers', () => {
  it('selects every layer without filters', () => {
    expect(layersOf('run')).toEqual(['netns', 'vm']);
    expect(layersOf()).toEqual(['netns', 'vm']);
  });

  it("selects the folders npm test names, and none for the unit layer", () => {
    expect(layersOf('run', 'test/netns', 'test/vm')).toEqual(['netns', 'vm']);
    expect(layersOf('run', 'test/unit')).toEqual([]);
    expect(layersOf('run', 'test/unit/lab/ipvsadm.test.ts')).toEqual([]);
  });

  it('matches a filter as a substring of a file path, as vitest does', () => {
    expect(layersOf('run', 'syslog')).toEqual(['netns']);
    expect(layersOf('run', './test/vm/ipvs-kernel.test.ts')).toEqual(['vm']);
    expect(layersOf('run', 'test/')).toEqual(['netns', 'vm']);
  });

  it("does not take an option's value for a filter", () => {
    expect(layersOf('run', 'test/unit', '-t', 'syslog')).toEqual([]);
    expect(layersOf('run', '--reporter', 'verbose', 'test/unit', '--testNamePattern=vm')).toEqual([]);
    expect(layersOf('run', '--reporter', 'verbose')).toEqual(['netns', 'vm']);
  });
});

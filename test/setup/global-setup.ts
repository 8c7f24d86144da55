/**
 * vitest globalSetup: before any test file runs, makes sure each root layer
 * the command line selects (netns, vm) can run, installing what is missing
 * when root with apt-get or dnf, and tells the test files the verdict.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { hostOf } from '../../lab/host.js';
import { cannotRun, LAYERS, missingCommands, planLayer, type Layer, type PackageManager, type Plan } from '../../lab/requirements.js';
import { selectedLayers, vitestFilters } from './selected-layers.js';
import type { LayerVerdicts } from './layer.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function layerFiles(layer: Layer): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'test', layer))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/${layer}/${f}`);
}

/** The package manager's own words when it fails (the last lines: the reason). */
function run(command: string, args: readonly string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status === 0) return undefined;
  return `${command} ${args.join(' ')}: ${r.error?.message ?? (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`;
}

/** apt-get on a fresh machine may have no package lists yet: update once and retry. */
function install(manager: PackageManager, packages: readonly string[]): string | undefined {
  if (manager === 'dnf') return run('dnf', ['install', '-y', '-q', ...packages]);
  const args = ['install', '-y', '-qq', '--no-install-recommends', ...packages];
  return run('apt-get', args) && (run('apt-get', ['update', '-qq']) ?? run('apt-get', args));
}

/** The vm layer downloads Debian's kernel package (lab/vm.ts): apt must know it. */
function debianKernelKnown(): boolean {
  const r = spawnSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' });
  return r.status === 0 && /Depends: linux-image-[0-9]/.test(r.stdout);
}

function prepare(layer: Layer): Plan {
  const plan = planLayer(layer, hostOf());
  if (plan.kind === 'skip' || plan.kind === 'fail') return plan;
  if (plan.kind === 'install') {
    console.log(plan.line);
    const failure = install(plan.manager, plan.packages);
    const missing = missingCommands(layer, hostOf());
    if (missing.length > 0) return cannotRun(layer, `installing ${plan.packages.join(' ')} left ${missing.join(', ')} missing${failure ? ` (${failure})` : ''}`, hostOf());
  }
  if (layer === 'vm' && !debianKernelKnown() && (run('apt-get', ['update', '-qq']) !== undefined || !debianKernelKnown())) {
    return cannotRun(layer, "apt-cache knows no linux-image-amd64 to download (the VM boots Debian's kernel): check /etc/apt/sources.list", hostOf());
  }
  return { kind: 'ready' };
}

/** vitest runs this once per project (vitest.config.ts has three) in one process: the first decides, once, for all. */
const DECIDED = 'KEEPALIVED_TS_TEST_LAYERS';

export default function setup(project: TestProject): void {
  const decided = process.env[DECIDED];
  if (decided !== undefined) return project.provide('testLayers', JSON.parse(decided) as LayerVerdicts);
  const selected = selectedLayers(vitestFilters(process.argv.slice(2)), { netns: layerFiles('netns'), vm: layerFiles('vm') });
  const verdicts: LayerVerdicts = {};
  for (const layer of LAYERS.filter((l) => selected.includes(l))) {
    const plan = prepare(layer);
    if (plan.kind === 'fail') throw new Error(plan.message);
    if (plan.kind === 'skip') console.warn(plan.line);
    verdicts[layer] = plan.kind === 'ready' ? 'ready' : 'skip';
  }
  process.env[DECIDED] = JSON.stringify(verdicts);
  project.provide('testLayers', verdicts);
}

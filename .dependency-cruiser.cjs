/**
 * The dependency rules `npm test` enforces (npm run test:deps). Layers of src/, bottom to top; a folder may import
 * itself and the folders listed for it, nothing else. ARCHITECTURE.md explains each layer.
 */
const SRC_LAYERS = {
  base: [],
  log: ['base'],
  config: ['base'],
  ipvs: ['base'],
  scripts: ['base', 'config', 'log'],
  vrrp: ['base', 'config', 'log'],
  net: ['base', 'vrrp'],
  track: ['base', 'config', 'log', 'scripts', 'vrrp'],
  notify: ['base', 'config', 'log', 'scripts', 'vrrp'],
  check: ['base', 'config', 'ipvs', 'log', 'scripts'],
  observe: ['base', 'config', 'ipvs', 'log', 'scripts', 'vrrp', 'check'],
  daemon: ['base', 'log', 'config', 'ipvs', 'scripts', 'vrrp', 'net', 'track', 'notify', 'check', 'observe'],
};
// vrrp/ inside, bottom to top: wire format, the state machine, receive checks, settings from config, the firewall ruleset; then the ports
// the runner needs (vrrp/ports.ts) and the runner on top (vrrp/runner/)
const VRRP_LAYERS = ['wire', 'fsm', 'receive', 'settings', 'firewall'];

const layerRules = Object.entries(SRC_LAYERS).map(([folder, allowed]) => ({
  name: `src-${folder}-imports-only-below`,
  comment: `src/${folder}/ may import only ${allowed.length ? allowed.map((a) => `src/${a}/`).join(', ') : 'itself'}`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: `^src/(${[folder, ...allowed].join('|')})/` },
}));

const vrrpRules = VRRP_LAYERS.map((inner, i) => ({
  name: `vrrp-${inner}-imports-only-below`,
  comment: `src/vrrp/${inner}/ may import only ${['src/vrrp/' + inner, ...VRRP_LAYERS.slice(0, i).map((l) => 'src/vrrp/' + l)].join(', ')} in vrrp/`,
  severity: 'error',
  from: { path: `^src/vrrp/${inner}/` },
  to: { path: '^src/vrrp/', pathNot: `^src/vrrp/(${VRRP_LAYERS.slice(0, i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no import cycles', from: {}, to: { circular: true } },
    {
      name: 'src-is-the-product',
      comment: 'src/ never imports the lab, the tests, the bench, the soak, the demo or the tools',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(lab|test|bench|soak|demo|tools)/' },
    },
    {
      name: 'lab-serves-the-rest',
      comment: 'lab/ (namespaces, VM, corpus, fakes) imports src/ and itself only',
      severity: 'error',
      from: { path: '^lab/' },
      to: { path: '^(test|bench|soak|demo|tools)/' },
    },
    {
      name: 'users-of-the-lab-stay-apart',
      comment: 'test/, bench/, soak/, demo/ and tools/ share code through lab/, never import each other',
      severity: 'error',
      from: { path: '^(test|bench|soak|demo|tools)/' },
      to: { path: '^(test|bench|soak|demo|tools)/', pathNot: '^$1/' },
    },
    {
      name: 'nothing-imports-built-output',
      comment: 'TypeScript imports the sources; dist/ and build/ are for spawned processes only',
      severity: 'error',
      from: { path: '\\.ts$' },
      to: { path: '^(dist|build)/' },
    },
    ...layerRules,
    ...vrrpRules,
    {
      name: 'vrrp-ports-below-the-runner',
      comment: 'the VRRP ports (src/vrrp/*.ts) may import vrrp/ layers, not the runner that uses them',
      severity: 'error',
      from: { path: '^src/vrrp/[^/]+\\.ts$' },
      to: { path: '^src/vrrp/runner/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|build)/|\\.generated\\.ts$' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

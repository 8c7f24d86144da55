/**
 * The VRRP process's roots back to text, in an order keepalived reads them
 * in: what is referenced (track files, scripts, processes, track groups)
 * before what references it, instances before the sync groups naming them.
 */
import type { GlobalDefs } from '../global/index.js';
import { block, decimalText, quoteWord, scriptLine, seconds } from '../quote.js';
import type { TrackFile } from '../track-file.js';
import type { DeepReadonly, TrackProcessDraft, VrrpConfig, VrrpScript } from './model.js';
import { addressLine, routeLine, ruleLine } from './write-ip.js';
import { writeInstance, writeSyncGroup } from './write-instance.js';

const TIMER_HZ = 1_000_000;
const UINT_MAX = 0xffffffff;

export function writeTrackFiles(files: readonly TrackFile[]): string[] {
  return files.flatMap((f) => {
    const body = [`file ${quoteWord(f.file)}`];
    if (f.weight !== 1 || f.weightReverse) body.push(`weight ${f.weight}${f.weightReverse ? ' reverse' : ''}`);
    if (f.init) body.push(`init_file ${f.init.value}${f.init.overwrite ? ' overwrite' : ''}`);
    return block(`track_file ${quoteWord(f.name)}`, body);
  });
}

export function writeVrrp(d: VrrpConfig, g: GlobalDefs): string[] {
  return [
    ...missingInterfaces(d),
    ...d.scripts.flatMap(scriptBlock),
    ...d.trackProcesses.flatMap(trackProcessBlock),
    ...d.staticTrackGroups.flatMap((t) => block(`track_group ${quoteWord(t.name)}`, t.members ? block('group', t.members.map(quoteWord)) : [])),
    ...(d.staticAddresses.length ? block('static_ipaddress', d.staticAddresses.map(addressLine)) : []),
    ...(d.staticRoutes.length ? block('static_routes', d.staticRoutes.map(routeLine)) : []),
    ...(d.staticRules.length ? block('static_rules', d.staticRules.map(ruleLine)) : []),
    ...d.garpGroups.flatMap((gg) =>
      block('garp_group', [
        ...(gg.garpInterval !== undefined ? [`garp_interval ${seconds(gg.garpInterval)}`] : []),
        ...(gg.gnaInterval !== undefined ? [`gna_interval ${seconds(gg.gnaInterval)}`] : []),
        ...(gg.interfaces.length ? block('interfaces', gg.interfaces.map(quoteWord)) : []),
      ]),
    ),
    ...(d.linkbeatInterfaces.length ? block('linkbeat_interfaces', d.linkbeatInterfaces.map((l) => (l.type ? `${quoteWord(l.name)} ${l.type}` : quoteWord(l.name)))) : []),
    ...(d.upDownDelays.length ? block('interface_up_down_delays', d.upDownDelays.map((u) => `${quoteWord(u.name)} ${seconds(u.down)} ${seconds(u.up)}`)) : []),
    ...d.instances.flatMap((v) => writeInstance(v, g, d.lvsSyncDaemon?.instance === v.name ? d.lvsSyncDaemon.interface : undefined)),
    ...d.syncGroups.flatMap(writeSyncGroup),
  ];
}

/**
 * Interfaces named somewhere but missing from the host are remembered (they
 * stop the VRRP checks) though nothing kept in the model names them. A
 * garp_group without a delay names them again and is then dropped whole.
 */
function missingInterfaces(d: VrrpConfig): string[] {
  if (!d.missingInterfaces.length) return [];
  return block('garp_group', d.missingInterfaces.map((name) => `interface ${quoteWord(name)}`));
}

function scriptBlock(s: VrrpScript): string[] {
  const body = [scriptLine('script', { argv: s.script!.argv })];
  if (s.interval !== TIMER_HZ) body.push(`interval ${s.interval / TIMER_HZ}`);
  if (s.timeout) body.push(`timeout ${s.timeout / TIMER_HZ}`);
  if (s.weight || s.weightReverse) body.push(`weight ${s.weight}${s.weightReverse ? ' reverse' : ''}`);
  if (s.rise !== 1) body.push(`rise ${s.rise}`);
  if (s.fall !== 1) body.push(`fall ${s.fall}`);
  if (s.user) body.push(['user', quoteWord(s.user.user), ...(s.user.group !== undefined ? [quoteWord(s.user.group)] : [])].join(' '));
  if (s.initFail) body.push('init_fail');
  return block(`vrrp_script ${quoteWord(s.name)}`, body);
}

/** quorum_max before quorum: each is checked against the other as it is read. */
function trackProcessBlock(p: DeepReadonly<TrackProcessDraft>): string[] {
  const body = [['process', quoteWord(p.process!), ...(p.params ?? []).map(quoteWord)].join(' ')];
  if (p.paramMatch === 'initial' || p.paramMatch === 'partial') body.push(`param_match ${p.paramMatch}`);
  else if (p.paramMatch === 'exact' && !p.params) body.push('param_match');
  if (p.fullCommand) body.push('full_command');
  if (p.weight || p.weightReverse) body.push(`weight ${p.weight}${p.weightReverse ? ' reverse' : ''}`);
  if (p.quorumMax !== UINT_MAX) body.push(`quorum_max ${p.quorumMax}`);
  if (p.quorum !== (p.quorumMax === 0 ? 0 : 1)) body.push(`quorum ${p.quorum}`);
  if (p.terminateDelay) body.push(`terminate_delay ${decimalText(p.terminateDelay, 6)}`);
  if (p.forkDelay) body.push(`fork_delay ${decimalText(p.forkDelay, 6)}`);
  return block(`vrrp_track_process ${quoteWord(p.name)}`, body);
}

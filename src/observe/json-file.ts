/**
 * keepalived.json: every VRRP instance's settings, state and counters in
 * keepalived 2.2.7's layout (vrrp_json.c vrrp_print_json, written with
 * json_writer.c not pretty-printed: one line, then a newline), to $TMPDIR or
 * /tmp. keepalived writes it on SIGJSON (SIGRTMIN+2, 36 with glibc) when
 * built with --enable-json; gen2brain/keepalived_exporter and
 * mehdy/keepalived-exporter --ka.json read it.
 *
 * Layout: `[{"data":{…},"stats":{…}}, …]`, keys in keepalived's order,
 * integers for its uint fields (state/wantstate as its numbers: 0 INIT,
 * 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP), `%g` for garp_delay, adver_int and
 * master_adver_int, `%f` for last_transition; a list key (vips, evips,
 * track_ifp, track_script) and a script_* key is absent when empty, as there.
 * Strings are escaped as json_writer does (`/` as `\/`), except that a
 * backslash is written `\\` (keepalived writes `\n` for it) and other control
 * characters as `\u00XX` (keepalived writes them raw), so the file stays JSON.
 *
 * Left out: vroutes and vrules (keepalived's format_iproute/format_iprule
 * text, which we do not reproduce), and instances with a configuration fault,
 * which the runner does not run.
 */
import { commandText } from '../config/scripts/parse.js';
import type { Script } from '../config/scripts/index.js';
import { sigrtmin, watchSignal } from '../base/native.js';
import type { InstanceView } from '../vrrp/runner/runner.js';
import { authData, instanceAddresses, ownTracking, STATE_NUMBER, type VrrpDumpInput } from './data-file.js';
import { formatG } from './dump-format.js';
import { writeFileSafely } from '../base/safe-file.js';
import { DUMP_FILE_MODE, dumpFilePath } from './stats-file.js';

/** json_writer.c jsonw_puts, with the two fixes the header describes. */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '/':
        out += '\\/';
        break;
      default:
        out += ch < ' ' ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch;
    }
  }
  return `${out}"`;
}

type Field = readonly [key: string, raw: string];

const uint = (key: string, n: number | boolean): Field => [key, String(typeof n === 'boolean' ? Number(n) : Math.max(0, Math.floor(n)))];
const bool = (key: string, b: boolean): Field => [key, b ? 'true' : 'false'];
const str = (key: string, s: string): Field => [key, jsonString(s)];
const float = (key: string, x: number): Field => [key, formatG(x)];
const array = (key: string, items: readonly string[]): Field[] => (items.length === 0 ? [] : [[key, `[${items.map(jsonString).join(',')}]`]]);
const script = (key: string, s: Pick<Script, 'argv'> | undefined): Field[] => (s ? [str(key, commandText(s))] : []);
const object = (fields: readonly Field[]): string => `{${fields.map(([k, v]) => `${jsonString(k)}:${v}`).join(',')}}`;

function dataFields(view: InstanceView, input: VrrpDumpInput): Field[] {
  const { name, state: s, run } = view;
  const { fsm } = run;
  const cfg = input.config.vrrp.instances.find((i) => i.name === name);
  const { vips, evips } = instanceAddresses(view);
  const tracking = ownTracking(view, cfg);
  const trackScripts = tracking.trackScripts.flatMap((t) => {
    const configured = input.config.vrrp.scripts.find((sc) => sc.name === t.name)?.script;
    return configured ? [commandText(configured)] : [];
  });
  const scripts = run.notifyScripts;
  const lastWallUs = view.lastTransitionUs + input.wallOffsetUs;
  return [
    str('iname', name),
    uint('dont_track_primary', fsm.dontTrackPrimary),
    uint('skip_check_adv_addr', run.skipCheckAdvAddr),
    uint('strict_mode', run.strict),
    str('vmac_ifname', run.vmac?.ifname ?? run.ipvlan?.ifname ?? ''),
    str('ifp_ifname', fsm.interface),
    uint('master_priority', s.masterPriority ?? 0),
    ['last_transition', (lastWallUs / 1e6).toFixed(6)],
    float('garp_delay', fsm.garp.masterDelayUs / 1e6),
    uint('garp_refresh', fsm.garp.masterRefreshUs / 1e6),
    uint('garp_rep', fsm.garp.masterRepeat),
    uint('garp_refresh_rep', fsm.garp.masterRefreshRepeat),
    uint('garp_lower_prio_delay', fsm.garp.lowerPrioDelayUs / 1e6),
    uint('garp_lower_prio_rep', fsm.garp.lowerPrioRepeat),
    uint('lower_prio_no_advert', fsm.lowerPrioNoAdvert),
    uint('higher_prio_send_advert', fsm.higherPrioSendAdvert),
    uint('vrid', fsm.vrid),
    uint('base_priority', s.basePriority),
    uint('effective_priority', s.effectivePriority),
    bool('vipset', s.vipsSet),
    bool('promote_secondaries', run.promoteSecondaries),
    float('adver_int', fsm.advertIntUs / 1e6),
    float('master_adver_int', s.masterAdverIntUs / 1e6),
    uint('accept', run.accept),
    bool('nopreempt', !fsm.preempt),
    uint('preempt_delay', fsm.preemptDelayUs / 1e6),
    uint('state', STATE_NUMBER[s.state]),
    uint('wantstate', STATE_NUMBER[s.wantState]),
    uint('version', fsm.version),
    bool('smtp_alert', run.smtpAlert),
    bool('notify_deleted', fsm.notifyDeleted),
    ...script('script_backup', scripts.backup),
    ...script('script_master', scripts.master),
    ...script('script_fault', scripts.fault),
    ...script('script_stop', scripts.stop),
    ...script('script_deleted', scripts.deleted),
    ...script('script', scripts.generic),
    ...script('script_master_rx_lower_pri', scripts.masterRxLowerPri),
    ...array('vips', vips),
    ...array('evips', evips),
    ...array('track_ifp', tracking.trackInterfaces.map((t) => t.name)),
    ...array('track_script', trackScripts),
    uint('auth_type', run.auth === undefined ? 0 : run.auth.type === 'AH' ? 2 : 1),
    ...(run.auth === undefined ? [] : [str('auth_data', authData(run.auth.pass))]),
  ];
}

function statsFields({ stats: c }: InstanceView): Field[] {
  return [
    uint('advert_rcvd', c.advert_rcvd),
    uint('advert_sent', c.advert_sent),
    uint('become_master', c.become_master),
    uint('release_master', c.release_master),
    uint('packet_len_err', c.packet_len_err),
    uint('advert_interval_err', c.advert_interval_err),
    uint('ip_ttl_err', c.ip_ttl_err),
    uint('invalid_type_rcvd', c.invalid_type_rcvd),
    uint('addr_list_err', c.addr_list_err),
    uint('invalid_authtype', c.invalid_authtype),
    uint('authtype_mismatch', c.authtype_mismatch),
    uint('auth_failure', c.auth_failure),
    uint('pri_zero_rcvd', c.pri_zero_rcvd),
    uint('pri_zero_sent', c.pri_zero_sent),
  ];
}

/** vrrp_json_dump: the file's whole text. */
export function jsonText(input: VrrpDumpInput): string {
  const entries = input.instances.map((i) => `{"data":${object(dataFields(i, input))},"stats":${object(statsFields(i))}}`);
  return `[${entries.join(',')}]\n`;
}

/**
 * vrrp_print_json: $TMPDIR/keepalived.json (or /tmp), a new 0600 file as writeStatsFile's; like keepalived,
 * nothing is written without instances.
 */
export function writeJsonFile(input: VrrpDumpInput, warn: (message: string) => void): string | undefined {
  if (input.instances.length === 0) return undefined;
  const file = dumpFilePath('keepalived.json');
  writeFileSafely(file, jsonText(input), { mode: DUMP_FILE_MODE, warn });
  return file;
}

/**
 * keepalived's SIGJSON, SIGRTMIN+2. Node's process.on does not watch real-time signals (a listener for
 * 'SIGRTMIN+2' is only an event name, and the signal's default action ends the process), so the native
 * addon watches it through libuv. Throws where the addon is not built: the signal then still ends the
 * process, as it would a keepalived built without --enable-json.
 */
export function watchSigJson(onSignal: () => void): { signum: number; stop: () => void } {
  const signum = sigrtmin() + 2;
  return { signum, stop: watchSignal(signum, onSignal) };
}

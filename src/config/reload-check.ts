/**
 * Whether a configuration read at SIGHUP may replace the running one.
 *
 * keepalived 2.2.7 reloads whatever it reads unless `reload_check_config`
 * is set, in which case a `-t` run of the new file must exit 0 (main.c
 * start_validate_reload_conf_child). We always check, but only refuse what
 * would break a running node; keepalived reloads despite warnings, and so do we:
 *
 *  - a keyword without its parameter (-t exit 2): keepalived's VRRP child
 *    would exit with KEEPALIVED_EXIT_CONFIG, taking the daemon down;
 *  - keepalived's fatal classes (-t exit 4 - a missing configuration or
 *    required include file, a non-existent interface, a fatal error), whether
 *    or not -t's "largest class" quirk reports them as exit 5;
 *  - a broken block structure (a missing or extra '{' or '}'): the file then
 *    means something else than what was written - instances can vanish or
 *    nest, and reloading it would drop their VIPs.
 *
 * Not refused: unknown keywords, bad values, deprecations and other
 * warnings (-t exit 5), and the SECURITY VIOLATION of scripts run without
 * enable_script_security (-t exit 6): keepalived runs such a configuration,
 * and refusing it would make every reload of that setup fail. With
 * `reload_check_config` in the running configuration, keepalived's own rule
 * applies instead: any non-zero -t exit refuses the reload.
 */
import { ConfigErr, EXIT_MISSING_PARAMETER, EXIT_OK, type Diagnostic } from './diagnostics.js';

const FATAL = new Set([ConfigErr.FileNotFound, ConfigErr.BadIf, ConfigErr.Fatal]);
const STRUCTURE = new Set([ConfigErr.MissingBob, ConfigErr.UnexpectedBob, ConfigErr.MissingEob, ConfigErr.UnexpectedEob]);

export type ReloadVerdict = { readonly accept: true } | { readonly accept: false; readonly reason: string; readonly blockers: readonly Diagnostic[] };

export interface ReloadCheckInput {
  readonly diagnostics: readonly Diagnostic[];
  /** keepalived's `-t` exit code for the file. */
  readonly exitCode: number;
}

/** `strict`: the running configuration has reload_check_config (any non-zero `-t` exit refuses). */
export function reloadVerdict(result: ReloadCheckInput, options: { strict?: boolean } = {}): ReloadVerdict {
  if (result.exitCode === EXIT_MISSING_PARAMETER) {
    return { accept: false, reason: 'a keyword is missing its parameter', blockers: result.diagnostics.filter((d) => d.cls === ConfigErr.MissingParameter) };
  }
  const fatal = result.diagnostics.filter((d) => FATAL.has(d.cls));
  if (fatal.length > 0) return { accept: false, reason: 'keepalived treats it as fatal', blockers: fatal };
  const structure = result.diagnostics.filter((d) => STRUCTURE.has(d.cls));
  if (structure.length > 0) return { accept: false, reason: "its '{' '}' blocks do not match", blockers: structure };
  if (options.strict && result.exitCode !== EXIT_OK) {
    return { accept: false, reason: `reload_check_config is set and the check exits ${result.exitCode}`, blockers: result.diagnostics.filter((d) => d.cls !== ConfigErr.Ok) };
  }
  return { accept: true };
}

/** What keepalived's parent will not change at a reload, by what it says of each (main.c reload_config). */
const UNCHANGEABLE = [
  ['network namespace', (g: ReloadGlobals) => g.namespace],
  ['IPVS network namespace', (g: ReloadGlobals) => g.networkNamespaceIpvs],
  ['instance name', (g: ReloadGlobals) => g.instanceName],
] as const;

export interface ReloadGlobals {
  /** The namespace the daemon runs in: -s, else net_namespace. */
  readonly namespace: string | undefined;
  readonly networkNamespaceIpvs: string | undefined;
  readonly instanceName: string | undefined;
}

/** keepalived's log lines for each of them the new configuration changes; any line means the reload is refused. */
export function unchangeableAtReload(running: ReloadGlobals, next: ReloadGlobals): string[] {
  return UNCHANGEABLE.filter(([, of]) => of(running) !== of(next)).map(([what]) => `Cannot change ${what} at a reload - please restart keepalived`);
}

/** SNMP, D-Bus, file mask, reload helpers and the parser settings of global_defs. */
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import { parseCInteger } from '../numbers.js';
import { INCLUDE_B, INCLUDE_M, INCLUDE_R, INCLUDE_W } from '../config-files.js';
import type { PassEnv } from '../subsystem.js';
import type { GlobalDraft } from './model.js';
import { flag, globalBool } from './flags.js';

const PATH_MAX = 4096;
const UINT_MAX = 4294967295;
const UMASK_BITS: Record<string, number> = {
  IRUSR: 0o400,
  IWUSR: 0o200,
  IXUSR: 0o100,
  IRGRP: 0o040,
  IWGRP: 0o020,
  IXGRP: 0o010,
  IROTH: 0o004,
  IWOTH: 0o002,
  IXOTH: 0o001,
};

/** `umask 0177` or `umask IXUSR|IRWXG…` (words may be split around the `|`). */
function umask(ctx: Ctx): number | undefined {
  const first = ctx.word(1);
  if (/^[0-9]/.test(first)) {
    if (ctx.length !== 2) return void ctx.report(ConfigErr.GeneralError, 'Extra parameter(s) to umask option');
    const p = parseCInteger(first, 0);
    if (p.trailing || p.value < 0 || (p.value & ~0o777) !== 0) return void ctx.report(ConfigErr.GeneralError, `invalid umask value ${first}`);
    return p.value;
  }
  let bits = 0;
  let needOr = false;
  for (const word of ctx.words.slice(1)) {
    for (let p = 0; p < word.length; ) {
      if (needOr) {
        if (word[p] !== '|') return void ctx.report(ConfigErr.GeneralError, `Invalid umask syntax ${word}`);
        needOr = false;
        p++;
        continue;
      }
      const bit = UMASK_BITS[word.slice(p, p + 5)];
      if (bit === undefined) return void ctx.report(ConfigErr.GeneralError, `Unknown umask bit ${word.slice(p)}`);
      bits |= bit;
      p += 5;
      needOr = true;
    }
  }
  if (!needOr) return void ctx.report(ConfigErr.GeneralError, 'umask missing bit value');
  return bits;
}

const INCLUDE_TYPES: Record<string, number> = { read: INCLUDE_R, match: INCLUDE_M, wildcard_match: INCLUDE_W, brace_match: INCLUDE_B };

/** `include_check [[+|-]TYPE …]`: which include failures are fatal (the reader applies it to the includes that follow). */
function includeCheck(ctx: Ctx, env: PassEnv): void {
  const reader = env.reader;
  if (ctx.length < 2) {
    reader.includeCheck = INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;
    return;
  }
  for (let i = 1; i < ctx.length; i++) {
    const word = ctx.words[i]!;
    const op = word[0] === '-' || word[0] === '+' ? word[0] : '';
    if (!op) {
      if (i !== 1) {
        ctx.report(ConfigErr.GeneralError, `Duplicate include_check '${word}' specified - ignoring`);
        continue;
      }
      reader.includeCheck = 0;
    }
    const type = word.slice(op.length);
    const bit = INCLUDE_TYPES[type];
    if (bit === undefined) {
      ctx.report(ConfigErr.GeneralError, `Unknown include_check type '${type}' - ignoring`);
      continue;
    }
    if (op === '') reader.includeCheck = INCLUDE_R | bit;
    else if (op === '+') reader.includeCheck |= bit;
    else reader.includeCheck &= ~bit;
  }
}

export function miscKeywords(g: GlobalDraft, env: PassEnv): Keyword[] {
  return [
    {
      name: 'snmp_socket',
      handler: (ctx) => {
        if (ctx.length > 2) return ctx.report(ConfigErr.GeneralError, 'Too many parameters specified for snmp_socket - ignoring');
        if (ctx.length < 2) return ctx.report(ConfigErr.GeneralError, 'SNMP error : snmp socket name missing');
        if (ctx.words[1]!.length > PATH_MAX - 1) return ctx.report(ConfigErr.GeneralError, 'SNMP error : snmp socket name too long - ignored');
        if (g.snmpSocket !== undefined) return ctx.report(ConfigErr.GeneralError, `SNMP socket already set to ${g.snmpSocket} - ignoring`);
        g.snmpSocket = ctx.words[1]!;
      },
    },
    flag('enable_traps', () => (g.enableTraps = true)),
    flag('enable_snmp_vrrp', () => (g.enableSnmpVrrp = true)),
    flag('enable_snmp_keepalived', () => (g.enableSnmpVrrp = true)),
    flag('enable_snmp_rfc', () => (g.enableSnmpRfcv2 = g.enableSnmpRfcv3 = true)),
    flag('enable_snmp_rfcv2', () => (g.enableSnmpRfcv2 = true)),
    flag('enable_snmp_rfcv3', () => (g.enableSnmpRfcv3 = true)),
    flag('enable_snmp_checker', () => (g.enableSnmpChecker = true)),
    flag('enable_dbus', () => (g.enableDbus = true)),
    {
      name: 'dbus_service_name',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'dbus_service_name missing - ignoring');
        g.dbusServiceName = ctx.words[1]!;
      },
    },
    {
      name: 'umask',
      handler: (ctx) => {
        const v = umask(ctx);
        if (v !== undefined) g.umask = v;
      },
    },
    {
      name: 'random_seed',
      handler: (ctx) => {
        const v = ctx.num.unsigned(ctx.word(1), 0, UINT_MAX);
        if (v === undefined) return ctx.report(ConfigErr.GeneralError, `random_seed ${ctx.words[1]} invalid`);
        g.randomSeed = v;
        env.reader.seedRandom(v);
      },
    },
    {
      name: 'include_check',
      handler: (ctx) => {
        g.includeCheck = ctx.words.slice(1);
        includeCheck(ctx, env);
      },
    },
    { name: 'reload_check_config', handler: (ctx) => void (g.reloadCheckConfig = ctx.has(1) ? ctx.words[1]! : '/dev/null') },
    {
      name: 'reload_time_file',
      handler: (ctx) => {
        if (ctx.length !== 2) return ctx.report(ConfigErr.GeneralError, 'reload_time_file invalid');
        g.reloadTimeFile = ctx.words[1]!;
      },
    },
    flag('reload_repeat', () => (g.reloadRepeat = true)),
    { name: 'reload_file', handler: (ctx) => void (g.reloadFile = ctx.has(1) ? ctx.words[1]! : 'default') },
    {
      name: 'config_save_dir',
      handler: (ctx) => {
        const dir = ctx.word(1);
        const st = env.sys.stat(dir);
        // keepalived's parent creates a missing directory; a config test must not change the host.
        if (st && !st.isDirectory) return ctx.report(ConfigErr.GeneralError, `config_save_dir ${dir} exists and is not a directory`);
        g.configSaveDir = dir.length > 1 ? dir.replace(/\/$/, '') : dir;
      },
    },
    {
      name: 'tmp_config_directory',
      handler: (ctx) => {
        if (g.tmpConfigDirectory !== undefined) return ctx.report(ConfigErr.GeneralError, `${ctx.words[0]} already specified - ignoring`);
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, `${ctx.words[0]} missing directory name`);
        g.tmpConfigDirectory = ctx.words[1]!;
      },
    },
    globalBool('data_use_instance', (v) => (g.dataUseInstance = v), 'date_use_instance'),
  ];
}

/**
 * bfd_instance's keywords, per process (keepalived's init_bfd_keywords):
 * the BFD process reads every keyword, the checker only the name and the
 * `vrrp`/`checker` event flags; everything else is accepted and ignored there.
 */
import { ConfigErr } from '../diagnostics.js';
import { KeywordTable, type Ctx, type Keyword } from '../engine.js';
import type { GlobalDefs } from '../global/index.js';
import { formatInet, guessFamily, parseSockAddress } from '../sockaddr.js';
import type { PassEnv } from '../subsystem.js';
import { BFD_DEFAULTS, BFD_NAME_MAX, BFD_SESSION_KEYWORDS, type BfdDraft, type BfdInstanceDraft } from './model.js';

const BFD_TTL_MAX = 255;
const BFD_INTERVAL_MAX = Math.floor(4294967295 / 1000);
const SENSIBLE_MAX = 10000;

/** Which processes asked for events inside the current block (`vrrp`, `checker`). */
interface Events {
  vrrp: boolean;
  checker: boolean;
}

const anyEvents = (e: Events): boolean => e.vrrp || e.checker;

/** The keywords of the block that a process does not read. */
function ignored(names: readonly string[]): Keyword[] {
  return names.map((name) => ({ name }));
}

function eventKeywords(events: Events): Keyword[] {
  return [
    { name: 'vrrp', handler: () => void (events.vrrp = true) },
    { name: 'checker', handler: () => void (events.checker = true) },
  ];
}

/** The BFD process: whole instances, validated as each block closes. */
function bfdProcessKeywords(d: BfdDraft, env: PassEnv): Keyword[] {
  const events: Events = { vrrp: false, checker: false };
  let current: BfdInstanceDraft | undefined;
  // keepalived keeps the spelling of the last `neighbour_ip` for all later messages.
  let neighborWord: 'neighbor' | 'neighbour' = 'neighbor';

  const interval = (field: 'minRx' | 'minTx' | 'idleTx', label: string, min: number) => (ctx: Ctx) => {
    const b = current;
    if (!b) return;
    const word = ctx.word(1);
    const v = ctx.num.decimal(word, min * 1000, BFD_INTERVAL_MAX * 1000, 3);
    if (v === undefined) {
      return ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} ${label} value ${word} is not valid (must be in range [${min}-${BFD_INTERVAL_MAX}]), ignoring`);
    }
    b[field] = v;
    if (v > SENSIBLE_MAX * 1000) ctx.log(`Configuration warning: BFD instance ${b.name} ${label} value ${word} is larger than max sensible (${SENSIBLE_MAX})`);
  };

  const ttl = (ctx: Ctx): void => {
    const b = current;
    if (!b) return;
    const v = ctx.num.unsigned(ctx.word(1), 1, BFD_TTL_MAX);
    if (v === undefined) ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} ttl/hoplimit value ${ctx.words[1]} not valid (must be in range [1-${BFD_TTL_MAX}]), ignoring`);
    else b.ttl = v;
  };

  const sub = new KeywordTable([
    {
      name: 'source_ip',
      handler: (ctx) => {
        const b = current;
        if (!b) return;
        const word = ctx.word(1);
        const a = parseSockAddress(word);
        if (a) b.source = formatInet(a);
        else ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} has malformed source address ${word}, ignoring`);
      },
    },
    ...['neighbor_ip', 'neighbour_ip'].map(
      (name): Keyword => ({
        name,
        handler: (ctx) => {
          const b = current;
          if (!b) return;
          // keepalived looks at the address word here, so the British spelling never sticks.
          if (ctx.words[1] === 'neighbour_ip') neighborWord = 'neighbour';
          const word = ctx.word(1);
          const a = parseSockAddress(word);
          if (!a) {
            ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} has malformed ${neighborWord} address ${word}, ignoring instance`);
            current = undefined;
            ctx.skipBlock(false);
            return;
          }
          b.neighbor = formatInet(a);
        },
      }),
    ),
    { name: 'min_rx', handler: interval('minRx', 'min_rx', 1) },
    { name: 'min_tx', handler: interval('minTx', 'min_tx', 1) },
    { name: 'idle_tx', handler: interval('idleTx', 'idle_tx', 1000) },
    {
      name: 'multiplier',
      handler: (ctx) => {
        const b = current;
        if (!b) return;
        const v = ctx.num.unsigned(ctx.word(1), 1, 255);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} multiplier value ${ctx.words[1]} not valid (must be in range [1-255]), ignoring`);
        else b.multiplier = v;
      },
    },
    { name: 'passive', handler: () => void (current && (current.passive = true)) },
    { name: 'ttl', handler: ttl },
    { name: 'hoplimit', handler: ttl },
    {
      name: 'max_hops',
      handler: (ctx) => {
        const b = current;
        if (!b) return;
        const v = ctx.num.int(ctx.word(1), -1, BFD_TTL_MAX);
        if (v === undefined) ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} max_hops value ${ctx.words[1]} not valid (must be in range [-1-${BFD_TTL_MAX}]), ignoring`);
        else b.maxHops = v;
      },
    },
    { name: 'weight' },
    ...eventKeywords(events),
  ]);

  return [
    {
      name: 'bfd_instance',
      sub,
      handler: (ctx) => {
        current = undefined;
        const name = ctx.word(1);
        if (name.length > BFD_NAME_MAX) {
          ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${name} name too long (maximum length is ${BFD_NAME_MAX} characters) - ignoring`);
          return ctx.skipBlock(true);
        }
        if (d.instances.some((b) => b.name === name)) {
          ctx.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${name} already configured - ignoring`);
          return ctx.skipBlock(true);
        }
        events.vrrp = events.checker = false;
        current = {
          name,
          minRx: BFD_DEFAULTS.minRx,
          minTx: BFD_DEFAULTS.minTx,
          idleTx: BFD_DEFAULTS.idleTx,
          multiplier: BFD_DEFAULTS.multiplier,
          passive: false,
          ttl: 0,
          maxHops: 0,
          vrrp: false,
          checker: false,
          loc: ctx.loc,
        };
      },
      close: () => {
        const b = current;
        current = undefined;
        if (b) closeInstance(env, d, b, events, neighborWord);
      },
    },
  ];
}

/**
 * keepalived's bfd_end_handler: the instance needs a neighbor, one family,
 * and a unique address pair. Reported at the block's closing line, as keepalived does.
 */
function closeInstance(env: PassEnv, d: BfdDraft, b: BfdInstanceDraft, events: Events, neighborWord: string): void {
  const report = (message: string): void => env.report(ConfigErr.GeneralError, `Configuration error: BFD instance ${b.name} ${message}`);
  if (!b.neighbor) return report(`has no ${neighborWord} address set, disabling instance`);
  const neighbor = b.neighbor;
  if (b.source && guessFamily(b.source) !== guessFamily(neighbor)) {
    // keepalived prints both through one static buffer: the source address appears twice.
    return report(`source address ${b.source} and ${neighborWord} address ${b.source} are not of the same family, disabling instance`);
  }
  const clash = d.instances.find((o) => o.neighbor === neighbor && (!o.source || !b.source || o.source === b.source));
  if (clash) {
    return report(
      b.source
        ? `has duplicate source/${neighborWord} address ${b.source}/${neighbor}, ignoring instance`
        : `has duplicate ${neighborWord} address ${neighbor}, ignoring instance`,
    );
  }
  const ttl = b.ttl || (guessFamily(neighbor) === 'inet' ? BFD_DEFAULTS.ttlIpv4 : BFD_DEFAULTS.hopLimitIpv6);
  let maxHops = b.maxHops;
  if (maxHops > ttl) {
    env.report(ConfigErr.GeneralError, `BFD instance ${b.name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit`);
    maxHops = ttl;
  }
  d.instances.push({ ...b, neighbor, ttl, maxHops, vrrp: !anyEvents(events) || events.vrrp, checker: !anyEvents(events) || events.checker });
}

/** The checker process: names for BFD_CHECK. */
function checkerProcessKeywords(d: BfdDraft): Keyword[] {
  const events: Events = { vrrp: false, checker: false };
  let current: BfdDraft['checkerTracked'][number] | undefined;
  const sub = new KeywordTable([...ignored([...BFD_SESSION_KEYWORDS, 'weight']), ...eventKeywords(events)]);
  return [
    {
      name: 'bfd_instance',
      sub,
      handler: (ctx) => {
        current = undefined;
        const name = ctx.word(1);
        if (d.checkerTracked.some((t) => t.name === name)) {
          ctx.report(ConfigErr.GeneralError, `BFD ${name} already specified`);
          return ctx.skipBlock(true);
        }
        current = { name, loc: ctx.loc };
        d.checkerTracked.push(current);
        events.vrrp = events.checker = false;
      },
      close: () => {
        if (current && anyEvents(events) && !events.checker) d.checkerTracked.splice(d.checkerTracked.indexOf(current), 1);
        current = undefined;
      },
    },
  ];
}

/**
 * The bfd_instance root keyword as the pass's process reads it (the parent
 * skips it; the VRRP process's reading, for track_bfd, is the VRRP
 * subsystem's own root keyword, which takes precedence).
 */
export function bfdRootKeywords(d: BfdDraft, env: PassEnv, _g: GlobalDefs): Keyword[] {
  return env.pass === 'checker' ? checkerProcessKeywords(d) : bfdProcessKeywords(d, env);
}

/**
 * `virtual_server_group NAME { … }` (check_data.c alloc_vsg_entry): lines of
 * `IP [PORT]`, `IP-LAST [PORT]` (last octet, or last 16-bit word for IPv6),
 * `IP-IP [PORT]`, `IP/LEN [PORT]` and `fwmark N [inet|inet6]`.
 */
import { compareAddressBytes, formatAddress, type Family } from '../../base/inet.js';
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import { parseSockAddress } from '../sockaddr.js';
import { portGiven, readSockAddr } from './address.js';
import type { CheckCtx } from './context.js';
import type { VsgDraft } from './draft.js';
import type { VsgEntry } from './model.js';

const UINT_MAX = 4294967295;

/** Host bits of a /len mask: undefined when some are set in `start`, else the last address. */
function maskEnd(start: Uint8Array, len: number): Uint8Array | undefined {
  const end = start.slice();
  for (let bit = len; bit < start.length * 8; bit++) {
    const byte = bit >> 3;
    const m = 0x80 >> (bit & 7);
    if (start[byte]! & m) return undefined;
    end[byte] = end[byte]! | m;
  }
  return end;
}

/** `a.b.c.d-N` / `…:x-N`: N replaces the last octet (decimal) or last 16-bit word (hex). */
function lastPartRange(ctx: Ctx, text: string, family: Family, start: Uint8Array, testMode: boolean): Uint8Array | undefined | 'single' {
  const dash = text.indexOf('-');
  if (dash < 0) return 'single';
  const tail = text.slice(dash + 1);
  const m = (family === 'inet6' ? /^[ \t]*[+-]?[0-9a-fA-F]*/ : /^[ \t]*[+-]?\d*/).exec(tail)![0];
  const digits = m.trim().replace(/^\+/, '');
  const range = digits === '' || digits === '-' ? 0 : parseInt(digits, family === 'inet6' ? 16 : 10);
  if (m.length < tail.length) {
    // -t rejects the entry; the daemon warns and uses the number
    ctx.report(ConfigErr.InvalidNumber, `${testMode ? '' : 'WARNING - '}Virtual server group range '${text}' has extra characters at end '${tail.slice(m.length)}'`);
    if (testMode) return undefined;
  } else if (range < 0 || range > (family === 'inet6' ? 0xffff : 255)) {
    ctx.report(ConfigErr.InvalidNumber, `Virtual server group range '${text}' end '${tail}' too large`);
    return undefined;
  }
  const end = start.slice();
  if (family === 'inet') end[3] = range;
  else [end[14], end[15]] = [range >> 8, range & 0xff];
  const first = family === 'inet' ? start[3]! : (start[14]! << 8) | start[15]!;
  if (first >= range) {
    ctx.report(ConfigErr.GeneralError, `Address range end is not greater than address range start - ${text} - skipping`);
    return undefined;
  }
  return end;
}

function readAddressEntry(ctx: Ctx, g: VsgDraft, words: readonly string[], testMode: boolean): VsgEntry | undefined {
  const text = words[0]!;
  const port = portGiven(words[1]) ? words[1] : undefined;
  const addr = readSockAddr(ctx, text, port);
  if (!addr) {
    ctx.report(
      ConfigErr.GeneralError,
      `Invalid virtual server group IP address ${text} ${port !== undefined ? '/port' : ''}${port !== undefined ? '/' : ''}${port ?? ''} - skipping`,
    );
    return undefined;
  }
  const start = parseSockAddress(text)!.bytes;
  const family = addr.family;
  const bits = family === 'inet' ? 32 : 128;
  let end = start;
  const slash = text.indexOf('/');
  const dash = text.indexOf('-');
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    const len = /^\d+$/.test(lenText) ? Number(lenText) : NaN;
    if (!(len > 0 && len <= bits)) {
      ctx.report(ConfigErr.GeneralError, `Invalid netmask - ${text} - skipping`);
      return undefined;
    }
    const e = maskEnd(start, len);
    if (!e) {
      ctx.report(ConfigErr.GeneralError, `Address mask bits not empty - ${text} - skipping`);
      return undefined;
    }
    end = e;
  } else if (dash >= 0 && text.slice(dash + 1).includes(family === 'inet' ? '.' : ':')) {
    const endText = text.slice(dash + 1);
    const endAddr = readSockAddr(ctx, endText, port);
    if (!endAddr) {
      ctx.report(ConfigErr.GeneralError, `Invalid range end ${text} - skipping`);
      return undefined;
    }
    if (endAddr.family !== family) {
      ctx.report(ConfigErr.GeneralError, `Range address families do not match ${text} - skipping`);
      return undefined;
    }
    end = parseSockAddress(endText)!.bytes;
    if (compareAddressBytes(end, start) < 0) {
      ctx.report(ConfigErr.GeneralError, `Address range end is less than address range start - ${text} - skipping`);
      return undefined;
    }
  } else {
    const r = lastPartRange(ctx, text, family, start, testMode);
    if (r === undefined) return undefined;
    if (r !== 'single') end = r;
  }
  if (family === 'inet') g.haveIpv4 = true;
  else g.haveIpv6 = true;
  return { kind: 'range', family, start: addr.address, end: formatAddress(family, end), port: addr.port, loc: ctx.loc };
}

function readFwmarkEntry(ctx: Ctx, g: VsgDraft, words: readonly string[]): VsgEntry | undefined {
  const mark = ctx.num.unsigned(ctx.wordOf(words, 1), 0, UINT_MAX, true);
  if (mark === undefined) {
    ctx.report(ConfigErr.GeneralError, `(${g.name}): fwmark '${words[1]}' must be in [0, ${UINT_MAX}] - ignoring`);
    return undefined;
  }
  const fam = words[2];
  if (fam === undefined) {
    g.fwmarkWithoutFamily = true;
    return { kind: 'fwmark', fwmark: mark, loc: ctx.loc };
  }
  if (fam !== 'inet' && fam !== 'inet6') {
    ctx.report(ConfigErr.GeneralError, `(${g.name}): fwmark '${mark}' family ${fam} unknown - ignoring`);
    return undefined;
  }
  if (fam === 'inet') g.haveIpv4 = true;
  else g.haveIpv6 = true;
  return { kind: 'fwmark', fwmark: mark, family: fam, loc: ctx.loc };
}

export function virtualServerGroupKeyword(c: CheckCtx): Keyword {
  return {
    name: 'virtual_server_group',
    handler: (ctx) => {
      const g: VsgDraft = { name: ctx.word(1), entries: [], haveIpv4: false, haveIpv6: false, fwmarkWithoutFamily: false, loc: ctx.loc };
      ctx.valueBlock((words, lineCtx) => {
        const e = words[0] === 'fwmark' ? readFwmarkEntry(lineCtx, g, words) : readAddressEntry(lineCtx, g, words, c.env.testMode);
        if (e) g.entries.push(e);
      }, 1);
      if (g.entries.length === 0) {
        c.env.report(ConfigErr.GeneralError, `virtual server group ${g.name} has no entries - removing`);
      } else if (g.haveIpv4 && g.haveIpv6 && g.fwmarkWithoutFamily) {
        c.env.report(ConfigErr.GeneralError, `virtual server group ${g.name} cannot have IPv4, IPv6 and fwmark without family - removing`);
      } else {
        c.state.groups.push(g);
      }
    },
  };
}

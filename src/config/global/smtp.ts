/** Identity, e-mail and SMTP keywords of global_defs. */
import { isIP } from 'node:net';
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import type { PassEnv } from '../subsystem.js';
import type { GlobalDraft } from './model.js';
import { globalBool, optionalFlag } from './flags.js';

const SMTP_PORT = '25';
const UINT_MAX = 4294967295;
const TIMER_HZ = 1_000_000;

export function smtpKeywords(g: GlobalDraft, env: PassEnv): Keyword[] {
  return [
    {
      name: 'router_id',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'routerid name missing - ignoring');
        g.routerId = ctx.words[1]!;
      },
    },
    {
      name: 'notification_email_from',
      handler: (ctx) => {
        if (!ctx.has(1)) return ctx.report(ConfigErr.GeneralError, 'emailfrom missing - ignoring');
        g.notificationEmailFrom = ctx.words[1]!;
      },
    },
    {
      name: 'smtp_server',
      handler: (ctx: Ctx) => {
        const host = ctx.word(1);
        const portText = ctx.has(2) ? ctx.words[2]! : SMTP_PORT;
        // smtpserver_handler: an address (never one with '-' or '/'), else a name; each try reads the port again,
        // and says so again when it is no port
        const readPort = (): number | undefined => ctx.num.unsigned(portText, 1, 65535, true);
        if (!/[-/]/.test(host)) {
          const port = readPort();
          if (port !== undefined && isIP(host)) {
            g.smtpServer = { host, address: host, port };
            return;
          }
        }
        const port = readPort();
        const address = port === undefined ? undefined : env.sys.resolveHost(host)[0];
        if (port !== undefined && address !== undefined) {
          g.smtpServer = { host, address, port };
          return;
        }
        // the failed try leaves keepalived with no server, whatever an earlier line set
        delete g.smtpServer;
        ctx.reportAt(1, ConfigErr.GeneralError, `Invalid smtp server ${host} ${portText}`, port === undefined ? 'not a port' : 'not an address, and not a name in the hosts file');
      },
    },
    {
      name: 'smtp_helo_name',
      handler: (ctx) => {
        if (ctx.has(1)) g.smtpHeloName = ctx.words[1]!;
      },
    },
    {
      name: 'smtp_connect_timeout',
      handler: (ctx) => {
        const word = ctx.word(1);
        const max = Math.floor(UINT_MAX / TIMER_HZ);
        const timeout = ctx.num.unsigned(word, 0, max, true);
        if (timeout === undefined) return ctx.report(ConfigErr.GeneralError, `smtp_connect_timeout '${word}' must be in [0, ${max}] - ignoring`);
        if (timeout === 0) ctx.report(ConfigErr.GeneralError, 'smtp_conect_timeout must be greater than 0, setting to 1');
        g.smtpConnectTimeout = Math.max(timeout, 1);
      },
    },
    {
      name: 'notification_email',
      handler: (ctx) => {
        const addresses = ctx.readValueBlock();
        // Reported where the block ends, as keepalived does.
        if (addresses.length === 0) env.report(ConfigErr.GeneralError, 'Warning - empty notification_email block');
        g.notificationEmail.push(...addresses);
      },
    },
    globalBool('smtp_alert', (v) => (g.smtpAlert = v)),
    globalBool('smtp_alert_vrrp', (v) => (g.smtpAlertVrrp = v)),
    globalBool('smtp_alert_checker', (v) => (g.smtpAlertChecker = v)),
    optionalFlag('checker_log_all_failures', 'Invalid value for checker_log_all_failures specified', (v) => (g.checkerLogAllFailures = v)),
    { name: 'no_email_faults', handler: () => void (g.noEmailFaults = true) },
    globalBool('no_checker_emails', (v) => (g.noCheckerEmails = v)),
  ];
}

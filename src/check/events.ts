/**
 * What the checker daemon must do besides programming IPVS when a pool
 * changes: log keepalived's lines and run its notifies (notify_up/down,
 * quorum_up/down, FIFO `RS …` / `VS …` lines). `msg`, when present, is
 * keepalived's own log line for the event, logged before its notify runs.
 */
import type { Script } from '../config/scripts/index.js';

export type PoolEvent =
  | { readonly type: 'log'; readonly msg: string }
  | {
      readonly type: 'real-server';
      /** FMT_VS and FMT_RS, as the FIFO line and logs name them. */
      readonly vs: string;
      readonly server: string;
      readonly alive: boolean;
      readonly msg?: string;
      readonly script?: Script;
      /** The e-mail body when a reload or the shutdown takes it out with smtp_alert (a checker's verdict mails itself). */
      readonly mail?: string;
    }
  | {
      readonly type: 'quorum';
      readonly vs: string;
      readonly up: boolean;
      /** At start-up (smtp: `Starting with quorum up|down`). */
      readonly init: boolean;
      readonly threshold: number;
      readonly weightSum: number;
      readonly msg?: string;
      readonly script?: Script;
      /** The e-mail body, with smtp_alert on the virtual server. */
      readonly mail?: string;
    };

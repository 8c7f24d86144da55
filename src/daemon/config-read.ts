/**
 * keepalived's config_notify.c: each child tells the parent when it has read its configuration, at its start and
 * after each reload; once every child it waits for has, the parent logs "Startup complete" (or "Reload complete")
 * and sends READY=1 to systemd. A SIGHUP while children are still reading is queued, and runs when they are done.
 */
import type { IpcChannel } from '../observe/metrics-ipc.js';

interface ConfigRead {
  readonly type: 'config-read';
}

const CONFIG_READ: ConfigRead = { type: 'config-read' };

export function isConfigRead(message: unknown): message is ConfigRead {
  return typeof message === 'object' && message !== null && (message as ConfigRead).type === CONFIG_READ.type;
}

/** The child's notify_config_read; nothing when the parent is gone. */
export function notifyConfigRead(channel: IpcChannel): void {
  if (channel.connected) channel.send?.(CONFIG_READ, () => undefined);
}

export interface ConfigReadPorts {
  log(message: string): void;
  /** -D: keepalived logs queued reloads only then. */
  readonly detail: boolean;
  /** Every child waited for has read its configuration: READY=1. */
  ready(): void;
  /** A reload queued while children were reading may run now. */
  reload(): void;
}

/** The parent's side: how many children it waits for (keepalived's num_reloading), and a queued reload. */
export class ConfigReadWait {
  private waiting = 0;
  private loaded = false;
  private queued = false;

  constructor(private readonly ports: ConfigReadPorts) {}

  /** `children` more were started or told to reload. */
  expect(children: number): void {
    this.waiting += children;
  }

  /** A child has read its configuration. One read when none was awaited (a child restarted since) changes nothing. */
  childRead(): void {
    if (this.waiting === 0 || --this.waiting > 0) return;
    this.ports.log(`${this.loaded ? 'Reload' : 'Startup'} complete`);
    this.loaded = true;
    this.ports.ready();
    if (!this.queued) return;
    this.queued = false;
    if (this.ports.detail) this.ports.log('Processing queued reload');
    this.ports.reload();
  }

  /** SIGHUP: true when the reload may start now; false when it waits for the children still reading. */
  reloadNow(): boolean {
    if (this.waiting === 0) return true;
    if (this.ports.detail) this.ports.log('Reload already in progress, request queued');
    this.queued = true;
    return false;
  }
}

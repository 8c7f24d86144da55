/** vrrp_sync_group NAME { group { … } track_* notify* smtp_alert … } */
import { ConfigErr } from '../diagnostics.js';
import type { Ctx, Keyword } from '../engine.js';
import { checkTrueFalse } from '../numbers.js';
import { parseScript } from '../scripts/index.js';
import { blockTable, type VrrpContext } from './context.js';
import type { SyncGroupDraft } from './model.js';
import { addTracked, type TrackKind } from './track.js';

type NotifyField = 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify';

export function syncGroupRoot(c: VrrpContext): Keyword {
  let cur: SyncGroupDraft | undefined;
  const err = (ctx: Ctx, m: string): void => ctx.report(ConfigErr.GeneralError, m);

  const track = (name: string, kind: TrackKind, field: 'trackInterfaces' | 'trackScripts' | 'trackFiles' | 'trackProcesses' | 'trackBfds'): Keyword => ({
    name,
    handler: (ctx) => ctx.valueBlock((words, lineCtx) => addTracked(c, lineCtx, words, kind, cur!.name, cur![field])),
  });
  const notify = (name: string, field: NotifyField): Keyword => ({
    name,
    handler: (ctx) => {
      const g = cur!;
      if (g[field]) {
        err(ctx, `vrrp group ${g.name}: ${name} script already specified - ignoring ${ctx.word(1)}`);
        return;
      }
      const script = parseScript(ctx, c.env, c.g, 'notify');
      if (script) g[field] = script;
    },
  });

  const sub = blockTable(() => cur !== undefined, [
    {
      name: 'group',
      handler: (ctx) => {
        const g = cur!;
        if (g.members) {
          err(ctx, `Group list already specified for sync group ${g.name}`);
          ctx.skipBlock(true);
          return;
        }
        const members = ctx.readValueBlock();
        if (members.length) {
          g.members = members;
          g.membersLoc = ctx.loc;
        } else c.env.report(ConfigErr.GeneralError, `Warning - sync group ${g.name} has empty group block`);
      },
    },
    track('track_interface', 'interface', 'trackInterfaces'),
    track('track_script', 'script', 'trackScripts'),
    track('track_file', 'file', 'trackFiles'),
    track('track_process', 'process', 'trackProcesses'),
    track('track_bfd', 'bfd', 'trackBfds'),
    notify('notify_backup', 'notifyBackup'),
    notify('notify_master', 'notifyMaster'),
    notify('notify_fault', 'notifyFault'),
    notify('notify_stop', 'notifyStop'),
    notify('notify', 'notify'),
    {
      name: 'smtp_alert',
      handler: (ctx) => {
        const v = ctx.has(1) ? checkTrueFalse(ctx.word(1)) : true;
        if (v === undefined) err(ctx, `Invalid vrrp_group smtp_alert parameter ${ctx.word(1)}`);
        else cur!.smtpAlert = v;
      },
    },
    {
      name: 'global_tracking',
      handler: (ctx) => {
        err(ctx, `(${cur!.name}) global_tracking is deprecated. Use track_interface/script/file on the sync group`);
        cur!.trackingWeight = true;
      },
    },
    { name: 'sync_group_tracking_weight', handler: () => void (cur!.trackingWeight = true) },
    {
      name: 'notify_priority_changes',
      handler: (ctx) => {
        const v = ctx.has(1) ? checkTrueFalse(ctx.word(1)) : true;
        if (v === undefined) err(ctx, `(${cur!.name}) Invalid value '${ctx.word(1)}' for sync group notify_priority_changes specified`);
        else cur!.notifyPriorityChanges = v;
      },
    },
  ]);

  return {
    name: 'vrrp_sync_group',
    handler: (ctx) => {
      cur = undefined;
      if (ctx.length !== 2) {
        err(ctx, 'vrrp_sync_group must have a name - skipping');
        ctx.skipBlock(true);
        return;
      }
      const name = ctx.word(1);
      if (c.d.syncGroups.some((g) => g.name === name)) {
        err(ctx, `vrrp sync group ${name} already defined`);
        ctx.skipBlock(true);
        return;
      }
      cur = {
        name,
        loc: ctx.loc,
        instances: [],
        trackInterfaces: [],
        trackScripts: [],
        trackFiles: [],
        trackProcesses: [],
        trackBfds: [],
        trackingWeight: false,
      };
      c.d.syncGroups.push(cur);
    },
    sub,
  };
}

/** track_file (alias vrrp_track_file) roots, read by the VRRP and checker processes. */
import type { Keyword } from './engine.js';
import type { PassEnv } from './subsystem.js';

export interface TrackFile {
  readonly name: string;
}

export type TrackFileDraft = { files: TrackFile[] };

export function newTrackFileDraft(): TrackFileDraft {
  return { files: [] };
}

export function trackFileRootKeywords(_d: TrackFileDraft, _env: PassEnv): Keyword[] {
  return [];
}

import { IpcFailure } from '../../../src-shared/ipc/errors';
import { channelArnProblem, parseArn } from '../../../src-shared/kvs/validate';
import type { ActiveProfile } from '../types';

/**
 * The active profile as the kvs module keys its caches: every cache key starts with the profile's prefix,
 * so a profile switch invalidates exactly that profile's entries (kvsService.ts).
 */
export interface ProfileScope {
  profile: ActiveProfile;
  /**
   * `kvs:<profile id>:<endpoint override or "aws">:` — URI-encoded parts, so one prefix is never a prefix
   * of another's. The override is part of it because kvs-local listens on a new port every run: entries
   * persisted by the last run must not be read as this run's endpoints.
   */
  prefix: string;
  /** A custom (kvs-local) endpoint: no public STUN, plain ws:/http: endpoints are acceptable. */
  custom: boolean;
}

/** The scope (cache prefix, custom-endpoint flag) of a profile. */
export function scopeOf(profile: ActiveProfile): ProfileScope {
  const target = profile.endpoint ? encodeURIComponent(profile.endpoint) : 'aws';
  return {
    profile,
    prefix: `kvs:${encodeURIComponent(profile.id)}:${target}:`,
    custom: Boolean(profile.endpoint),
  };
}

/** Prefix of every cache key about one channel under one profile. */
export function channelPrefix(scope: ProfileScope, channelArn: string): string {
  return `${scope.prefix}${encodeURIComponent(channelArn)}:`;
}

/**
 * The channel's region, from its ARN (§7): channels synced from several regions are called in their own
 * region, not the profile's default. Throws IpcFailure('InvalidArgument') for anything but a channel ARN.
 */
export function channelRegion(channelArn: string): string {
  const problem = channelArnProblem(channelArn);
  if (problem !== null) throw new IpcFailure('InvalidArgument', problem);
  return parseArn(channelArn)!.region;
}

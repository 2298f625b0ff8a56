import type { z } from 'zod';
import type { EventPayload } from '../../src-shared/ipc/contract';
import type { identity, profile, settings } from '../../src-shared/ipc/schemas';
import { DEFAULT_SETTINGS } from '../../src-shared/ipc/settingsDefaults';
import type { Ipc } from '../lib/ipc.svelte';
import type { Notices } from '../lib/notices.svelte';

export type Settings = z.infer<typeof settings>;
export type Profile = z.infer<typeof profile>;
export type Identity = z.infer<typeof identity>;
export type CredentialsExpired = EventPayload<'credentials:expired'>;

/** What the operator should do about expired credentials, by the action main names. */
export function expiredAdvice(e: CredentialsExpired): string {
  switch (e.action) {
    case 'login':
      return 'Sign in again (for SSO: `aws sso login` with this profile), then choose the profile again in Settings.';
    case 'rekey':
      return 'Enter new access keys for this profile in Settings, then choose it again.';
    case 'retry':
      return 'Choose the profile again in Settings to retry; if it keeps failing, check the credential source.';
  }
}

/**
 * Console settings kept by main (`settings:get/set`), the credentials profiles (names only) and the
 * microphones this machine has. A failed save is reported and the value shown stays what main has.
 */
export class SettingsState {
  value = $state.raw<Settings>(DEFAULT_SETTINGS);
  profiles = $state.raw<readonly Profile[]>([]);
  activeProfileId = $state<string | null>(null);
  identity = $state.raw<Identity | null>(null);
  selecting = $state(false);
  mics = $state.raw<readonly MediaDeviceInfo[]>([]);
  expired = $state.raw<CredentialsExpired | null>(null);
  readonly activeProfile: Profile | undefined = $derived(
    this.profiles.find((p) => p.id === this.activeProfileId),
  );

  readonly #ipc: Ipc;
  readonly #notices: Notices;

  constructor(ipc: Ipc, notices: Notices) {
    this.#ipc = ipc;
    this.#notices = notices;
  }

  async load(): Promise<void> {
    try {
      this.value = (await this.#ipc.call('settings:get', {})).settings;
    } catch (error) {
      this.#notices.report('Settings', error);
    }
  }

  async set(patch: Partial<Settings>): Promise<void> {
    try {
      this.value = (await this.#ipc.call('settings:set', { patch })).settings;
    } catch (error) {
      this.#notices.report('Settings', error);
    }
  }

  async loadProfiles(): Promise<void> {
    try {
      const res = await this.#ipc.call('profiles:list', {});
      this.profiles = res.profiles;
      this.activeProfileId = res.activeProfileId;
    } catch (error) {
      this.#notices.report('Profiles', error);
    }
  }

  /** Makes a profile active (main resolves its credentials and asks STS who they are). */
  async selectProfile(profileId: string): Promise<boolean> {
    this.selecting = true;
    try {
      const res = await this.#ipc.call('profiles:select', { profileId });
      this.activeProfileId = res.profile.id;
      this.identity = res.identity;
      if (this.expired?.profileId === profileId) this.expired = null;
      return true;
    } catch (error) {
      this.#notices.report(`Profile ${profileId}`, error);
      return false;
    } finally {
      this.selecting = false;
    }
  }

  /** Lists microphones. Their names only appear once the operator has allowed the microphone once. */
  async loadMics(): Promise<void> {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      this.mics = devices.filter((d) => d.kind === 'audioinput');
    } catch (error) {
      this.#notices.report('Microphones', error);
    }
  }
}

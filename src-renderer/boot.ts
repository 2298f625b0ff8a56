/**
 * The renderer's start page until the wall arrives: it proves the window's only way out, the preload's
 * `window.watchfloor`, and shows the version and the active profile (names only — the renderer never sees
 * a key).
 */
import type { WatchfloorApi } from '../src-shared/ipc/api';

declare global {
  interface Window {
    watchfloor?: WatchfloorApi;
  }
}

function fact(term: string, value: string): void {
  const dl = document.getElementById('facts');
  if (!dl) return;
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dl.append(dt, dd);
}

async function boot(): Promise<void> {
  const status = document.getElementById('status');
  const api = window.watchfloor;
  if (!api) {
    if (status) status.textContent = 'The console bridge is missing: start Watchfloor from its launcher.';
    return;
  }
  const info = await api.invoke('app:info', {});
  const profiles = await api.invoke('profiles:list', {});
  if (!info.ok || !profiles.ok) {
    const error = !info.ok ? info.error : !profiles.ok ? profiles.error : undefined;
    if (status)
      status.textContent = `The main process answered with an error: ${error?.message ?? 'unknown'}`;
    return;
  }
  if (status) status.textContent = 'Connected.';
  fact('Version', info.value.version + (info.value.kiosk ? ' (kiosk)' : ''));
  const active = profiles.value.profiles.find((p) => p.id === profiles.value.activeProfileId);
  fact('Profile', active ? `${active.name} (${active.region})` : 'none chosen');
  fact('Profiles available', profiles.value.profiles.map((p) => p.name).join(', ') || 'none');
}

void boot();

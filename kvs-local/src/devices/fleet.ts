import type { LocalCredentials } from '../auth/credentials';
import { addChannelRecord } from '../control/channels';
import type { KvsStore } from '../state/store';
import type { StorageService } from '../storageService';
import { SimulatedCamera, type CameraDescription } from './simulatedCamera';

export interface FleetOptions {
  store: KvsStore;
  storage: StorageService;
  endpoint: string;
  region: string;
  credentials: () => LocalCredentials;
  caCert?: string | undefined;
  log: (line: string) => void;
  media: { fps: number; width: number; height: number };
}

function notFound(name: string): Error {
  return Object.assign(new Error(`no simulated camera named ${name}`), { status: 404 });
}

/**
 * The simulated cameras of a kvs-local instance: one channel `camera-<n>` each (reused when a state
 * directory already has it), kept in step with the store (storage configuration changes switch a camera
 * between P2P and storage-session publishing; deleting its channel powers it off).
 */
export class CameraFleet {
  private readonly cameras = new Map<string, SimulatedCamera>();

  constructor(private readonly opts: FleetOptions) {
    opts.store.on('storageChanged', (channel) => this.cameras.get(channel.name)?.reconfigure());
    opts.store.on('channelDeleted', (channel) => {
      const camera = this.cameras.get(channel.name);
      if (camera?.channelArn !== channel.arn) return;
      this.cameras.delete(channel.name);
      void camera.close();
    });
  }

  async createInitial(count: number): Promise<void> {
    for (let i = 1; i <= count; i++) await this.add(`camera-${i}`);
  }

  /** Adds a camera on a channel named `name` (created if missing) and powers it on. */
  async add(name?: string): Promise<SimulatedCamera> {
    let channelName = name;
    if (!channelName) {
      let n = this.cameras.size + 1;
      while (this.opts.store.channelByName(`camera-${n}`)) n++;
      channelName = `camera-${n}`;
    }
    if (!/^[a-zA-Z0-9_.-]{1,256}$/.test(channelName))
      throw Object.assign(new Error(`invalid channel name ${channelName}`), { status: 400 });
    if (this.cameras.has(channelName)) return this.cameras.get(channelName)!;
    const channel =
      this.opts.store.channelByName(channelName) ??
      addChannelRecord(this.opts.store, channelName, Date.now());
    const camera = new SimulatedCamera({
      channelName,
      channelArn: channel.arn,
      endpoint: this.opts.endpoint,
      region: this.opts.region,
      credentials: this.opts.credentials,
      ...(this.opts.caCert ? { caCert: this.opts.caCert } : {}),
      ...this.opts.media,
      log: this.opts.log,
    });
    this.cameras.set(channelName, camera);
    camera.start();
    await Promise.resolve();
    return camera;
  }

  get(name: string): SimulatedCamera {
    const camera = this.cameras.get(name) ?? [...this.cameras.values()].find((c) => c.channelArn === name);
    if (!camera) throw notFound(name);
    return camera;
  }

  list(): CameraDescription[] {
    return [...this.cameras.values()].map((c) => c.describe());
  }

  async close(): Promise<void> {
    const all = [...this.cameras.values()];
    this.cameras.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}

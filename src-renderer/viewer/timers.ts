/** Named one-shot timers on an injected clock: setting a name again replaces its timer. */
import type { Clock } from './ports';

export class NamedTimers<Name extends string> {
  private readonly handles = new Map<Name, unknown>();

  constructor(private readonly clock: Clock) {}

  set(name: Name, ms: number, fn: () => void): void {
    this.clear(name);
    const handle = this.clock.setTimeout(
      () => {
        this.handles.delete(name);
        fn();
      },
      Math.max(0, ms),
    );
    this.handles.set(name, handle);
  }

  has(name: Name): boolean {
    return this.handles.has(name);
  }

  clear(...names: Name[]): void {
    for (const name of names) {
      const handle = this.handles.get(name);
      if (handle === undefined) continue;
      this.clock.clearTimeout(handle);
      this.handles.delete(name);
    }
  }

  clearAll(): void {
    this.clear(...this.handles.keys());
  }
}

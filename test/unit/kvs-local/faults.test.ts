import { describe, expect, it } from 'vitest';
import { FaultInjector, RateLimiter } from '../../../kvs-local/src/faults';

describe('fault injection', () => {
  it('fails the next N calls of one operation with the named error and its status, then stops', () => {
    const faults = new FaultInjector();
    faults.add({ operation: 'ConnectAsViewer', count: 2, error: 'AccessDeniedException' });
    expect(faults.take('DescribeSignalingChannel')).toBeUndefined();
    const first = faults.take('ConnectAsViewer');
    expect(first?.error?.type).toBe('AccessDeniedException');
    expect(first?.error?.status).toBe(403);
    expect(faults.take('ConnectAsViewer')?.error?.type).toBe('AccessDeniedException');
    expect(faults.take('ConnectAsViewer')).toBeUndefined();
    expect(() => faults.add({ operation: 'x', count: 0 })).toThrow();
  });
});

describe('rate limiter', () => {
  it('allows the rate per second with a burst of one second, then refills', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const burst = Array.from({ length: 7 }, () => limiter.allow('k', 5));
    expect(burst.filter(Boolean)).toHaveLength(5);
    now += 400;
    expect(limiter.allow('k', 5)).toBe(true);
    expect(limiter.allow('k', 5)).toBe(true);
    expect(limiter.allow('k', 5)).toBe(false);
    expect(limiter.allow('other', 5)).toBe(true);
  });
});

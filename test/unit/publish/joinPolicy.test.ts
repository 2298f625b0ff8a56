import { describe, expect, it } from 'vitest';
import {
  FailureWindow,
  closeMeansTakeover,
  joinRetryDelayMs,
  joinRetryable,
} from '../../../src-renderer/publish/joinPolicy';

describe('the producing device retry rules (kvs-reference §6.2)', () => {
  it('waits 6 s plus min(rand·200^(n−1), 10 s) before join retry n', () => {
    expect(joinRetryDelayMs(1, () => 0.5)).toBeCloseTo(6_000.5);
    expect(joinRetryDelayMs(2, () => 0.5)).toBe(6_100);
    expect(joinRetryDelayMs(3, () => 0.5)).toBe(16_000);
    expect(joinRetryDelayMs(5, () => 0)).toBe(6_000);
  });

  it('retries throttling and network failures, never "maximum number of viewers" or refusals', () => {
    expect(joinRetryable({ code: 'ClientLimitExceeded', message: 'Rate exceeded' })).toBe(true);
    expect(joinRetryable({ code: 'Offline', message: 'timed out' })).toBe(true);
    expect(
      joinRetryable({
        code: 'ClientLimitExceeded',
        message: 'Reached the maximum number of viewers connected to the session',
      }),
    ).toBe(false);
    expect(joinRetryable({ code: 'AccessDenied', message: 'no' })).toBe(false);
    expect(joinRetryable({ code: 'StorageNotEnabled', message: 'off' })).toBe(false);
  });

  it('gives up after 5 failed connections within 10 minutes, not after 5 spread wider', () => {
    const w = new FailureWindow();
    expect([0, 1, 2, 3].map((m) => w.record(m * 60_000))).toEqual([false, false, false, false]);
    expect(w.record(4 * 60_000)).toBe(true);
    const spread = new FailureWindow();
    expect([0, 3, 6, 9, 12, 15].map((m) => spread.record(m * 60_000)).some(Boolean)).toBe(false);
  });

  it('reads a 1000 "Replaced by a newer connection" close as another device taking over', () => {
    expect(closeMeansTakeover({ code: 1000, reason: 'Replaced by a newer connection' })).toBe(true);
    expect(closeMeansTakeover({ code: 1006, reason: '' })).toBe(false);
    expect(closeMeansTakeover({ code: 1001, reason: 'Going away' })).toBe(false);
    expect(closeMeansTakeover(null)).toBe(false);
  });
});

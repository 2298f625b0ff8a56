import { KvsError } from './errors';

/** Status of the named errors an admin can inject (the rest default to 400, as most KVS errors are). */
const STATUS: Record<string, number> = {
  AccessDeniedException: 403,
  NotAuthorizedException: 401,
  ResourceNotFoundException: 404,
  InternalFailure: 500,
  ServiceUnavailableException: 503,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  UnrecognizedClientException: 403,
};

export interface FaultRule {
  /** Operation name as the service calls it (e.g. `DescribeSignalingChannel`, `ConnectAsViewer`, `JoinStorageSession`). */
  operation: string;
  /** How many upcoming calls this rule applies to. */
  count: number;
  /** Fail with this error name (e.g. `ClientLimitExceededException`). */
  error?: string;
  message?: string;
  /** Delay the call by this much before it runs (or fails). */
  delayMs?: number;
}

export interface FaultDecision {
  error?: KvsError;
  delayMs: number;
}

/**
 * Fault injection for the admin API: "fail the next N calls of an operation with a named error, or delay
 * them". Rules for one operation are consumed in the order they were added.
 */
export class FaultInjector {
  private readonly rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    if (!Number.isInteger(rule.count) || rule.count < 1) throw new Error('count must be a positive integer');
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules.length = 0;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Consumes one application of the first rule for `operation`, if any. */
  take(operation: string): FaultDecision | undefined {
    const i = this.rules.findIndex((r) => r.operation === operation);
    if (i < 0) return undefined;
    const rule = this.rules[i]!;
    rule.count -= 1;
    if (rule.count <= 0) this.rules.splice(i, 1);
    const decision: FaultDecision = { delayMs: rule.delayMs ?? 0 };
    if (rule.error) {
      decision.error = new KvsError(
        rule.error,
        STATUS[rule.error] ?? 400,
        rule.message ?? `Injected ${rule.error} for ${operation}.`,
      );
    }
    return decision;
  }
}

/** Token bucket keyed by string: `allow(key, perSecond)` is false when the key is over its rate. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number) {}

  allow(key: string, perSecond: number, burst = perSecond): boolean {
    if (perSecond <= 0) return true;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    if (this.buckets.size > 50_000) this.buckets.clear(); // Bound memory under fuzzing with random keys.
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    return true;
  }
}

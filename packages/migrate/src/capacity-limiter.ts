import { invalidOption } from '@ddb-encryption/core'

/** Options of {@link CapacityLimiter}. */
export interface CapacityLimiterOptions {
  /** Capacity units per second allowed on average; `undefined` or `Infinity`: no limit. */
  unitsPerSecond?: number
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A token bucket in DynamoDB capacity units (RCU or WCU) that also backs off on throttling. Requests report what
 * they consumed after the fact (`ConsumedCapacity`), so the bucket may go into debt; `acquire()` waits until it is
 * out of debt. A throttle halves the rate (never below 1 % of the configured one) and successes restore it by 5 %
 * of the configured rate each (additive increase, multiplicative decrease), so a job shares a table with live
 * traffic without starving it.
 */
export class CapacityLimiter {
  readonly unitsPerSecond: number
  readonly #now: () => number
  #rate: number
  #tokens: number
  #updatedAt: number
  /** Without a configured rate, throttling still pauses callers: the time before which nobody proceeds. */
  #pausedUntil = 0
  #backoffMs = 0

  constructor(options: CapacityLimiterOptions = {}) {
    const { unitsPerSecond = Number.POSITIVE_INFINITY, now = Date.now } = options
    if (typeof unitsPerSecond !== 'number' || Number.isNaN(unitsPerSecond) || unitsPerSecond <= 0) {
      throw invalidOption('CapacityLimiter', 'unitsPerSecond', 'a positive number of capacity units per second')
    }
    this.unitsPerSecond = unitsPerSecond
    this.#now = now
    this.#rate = unitsPerSecond
    this.#tokens = Number.isFinite(unitsPerSecond) ? unitsPerSecond : 0
    this.#updatedAt = now()
  }

  /** The current allowed rate (units/s), lowered after throttling. */
  get currentRate(): number {
    return this.#rate
  }

  #refill(): void {
    const now = this.#now()
    if (Number.isFinite(this.#rate)) {
      // At most one second of burst.
      this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#rate)
    }
    this.#updatedAt = now
  }

  /** Waits until a request may be sent (the bucket is out of debt and no throttling pause is running). */
  async acquire(): Promise<void> {
    for (;;) {
      this.#refill()
      const pause = this.#pausedUntil - this.#now()
      if (pause > 0) {
        await sleep(pause)
        continue
      }
      if (!Number.isFinite(this.#rate) || this.#tokens > 0) return
      await sleep(Math.min(1000, Math.ceil((-this.#tokens / this.#rate) * 1000) + 1))
    }
  }

  /** Records the units a request consumed. */
  consume(units: number): void {
    this.#refill()
    if (Number.isFinite(this.#rate)) this.#tokens -= units
  }

  /** Records a successful request: the rate recovers toward the configured one, the backoff resets. */
  succeeded(): void {
    this.#backoffMs = 0
    if (Number.isFinite(this.unitsPerSecond) && this.#rate < this.unitsPerSecond) {
      this.#rate = Math.min(this.unitsPerSecond, this.#rate + this.unitsPerSecond * 0.05)
    }
  }

  /** Records a throttled request: halve the rate and pause everyone (exponential, 50 ms to 20 s, jittered). */
  throttled(): void {
    if (Number.isFinite(this.unitsPerSecond)) this.#rate = Math.max(this.unitsPerSecond * 0.01, this.#rate / 2)
    this.#backoffMs = Math.min(20_000, this.#backoffMs === 0 ? 50 : this.#backoffMs * 2)
    // Jitter only spreads the retries of several processes; it protects nothing, so Math.random is fine.
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + this.#backoffMs * (0.5 + Math.random() / 2))
  }
}

const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException'])

/** True for DynamoDB's throttling errors (after the SDK's own retries). */
export function isThrottling(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return typeof name === 'string' && THROTTLING.has(name)
}

/**
 * Runs `request` under `limiter`: waits for capacity, records what it consumed (`capacityOf` its result), and on
 * throttling backs off and tries again, up to `maxThrottles` times; other errors pass through unchanged.
 */
export async function withCapacity<T>(
  limiter: CapacityLimiter,
  request: () => Promise<T>,
  capacityOf: (result: T) => number,
  maxThrottles = 20,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await limiter.acquire()
    try {
      const result = await request()
      limiter.consume(capacityOf(result))
      limiter.succeeded()
      return result
    } catch (error) {
      if (!isThrottling(error) || attempt >= maxThrottles) throw error
      limiter.throttled()
    }
  }
}

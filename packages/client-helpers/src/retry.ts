/** Exponential backoff of a request whose response may leave work undone (batch unprocessed items / keys). */
export interface RetryOptions {
  /** Total attempts including the first (>= 1). */
  readonly maxAttempts: number
  /** Delay before the first retry in milliseconds; doubled on each further retry. */
  readonly baseDelayMs: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Calls `attempt(previous)` until `remaining(result)` is false or `maxAttempts` calls were made, sleeping
 * `baseDelayMs * 2^(n-1)` before retry n. Returns the last result; errors are thrown unchanged (no retry: the
 * SDK's own retry strategy already handles throttling and transient errors of each call).
 */
export async function retryRemaining<T>(options: RetryOptions, attempt: (previous: T | undefined) => Promise<T>, remaining: (result: T) => boolean): Promise<T> {
  let result = await attempt(undefined)
  for (let n = 1; n < options.maxAttempts && remaining(result); n++) {
    await sleep(options.baseDelayMs * 2 ** (n - 1))
    result = await attempt(result)
  }
  return result
}

/**
 * The delay before retry `n` (1-based) of an optimistic write that lost a race: a random time up to
 * `baseDelayMs * 2^(n-1)` ("full jitter"), so writers that collided do not collide again in lockstep.
 * @internal
 */
export function jitteredDelayMs(options: RetryOptions, n: number): number {
  // Math.random is enough here: the delay only spreads writers apart, it protects nothing.
  return Math.random() * options.baseDelayMs * 2 ** (n - 1)
}

/** Waits `ms` milliseconds. @internal */
export function sleepMs(ms: number): Promise<void> {
  return sleep(ms)
}

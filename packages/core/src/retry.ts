/**
 * The one retry helper of every package: capped exponential backoff, optionally with full jitter. Callers retry only
 * what the service asks them to retry (unprocessed batch entries, a lost optimistic write, a table that is not ACTIVE
 * yet); throttling and transient errors of each call are left to the SDK's own retry strategy.
 */

/** How long to wait between tries. */
export interface BackoffOptions {
  /** Delay before the first retry in milliseconds; doubles on each further retry. */
  readonly baseDelayMs: number
  /** Upper bound of one delay in milliseconds. Default: no bound. */
  readonly maxDelayMs?: number
  /**
   * `true`: a random delay up to the computed one ("full jitter"), so writers that collided do not collide again in
   * lockstep. Default `false` (the computed delay exactly).
   */
  readonly jitter?: boolean
}

/** How often, and how long, to try. */
export interface RetryOptions extends BackoffOptions {
  /** Total tries including the first (>= 1). Default: no limit (bound it with `timeoutMs`, or by `again`). */
  readonly maxAttempts?: number
  /** No retry starts after this many milliseconds since the first try. Default: no limit. */
  readonly timeoutMs?: number
}

/**
 * The delay before retry `n` (1-based): `baseDelayMs * 2^(n-1)`, capped at `maxDelayMs`; with `jitter`, a random time
 * up to that.
 */
export function backoffDelayMs(n: number, options: BackoffOptions): number {
  const delay = Math.min(options.baseDelayMs * 2 ** (n - 1), options.maxDelayMs ?? Number.POSITIVE_INFINITY)
  // Math.random is enough: the delay only spreads clients apart, it protects nothing.
  return options.jitter === true ? Math.random() * delay : delay
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Calls `attempt(previous, n)` (n from 1) until `again(result)` is false, `maxAttempts` tries were made or `timeoutMs`
 * has passed, sleeping {@link backoffDelayMs} before each retry. Returns the last result, whether or not `again`
 * still holds for it (the caller decides what that means); errors thrown by `attempt` or `again` propagate unchanged.
 *
 * @example
 * // Resend a batch write's UnprocessedItems up to 5 times, 50 ms, 100 ms, 200 ms, ... apart.
 * const last = await retry({ maxAttempts: 5, baseDelayMs: 50 }, (previous) => send(previous?.UnprocessedItems ?? items),
 *   (output) => Object.keys(output.UnprocessedItems ?? {}).length > 0)
 */
export async function retry<T>(
  options: RetryOptions,
  attempt: (previous: T | undefined, n: number) => Promise<T>,
  again: (result: T) => boolean,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs
  let result = await attempt(undefined, 1)
  for (let n = 2; n <= maxAttempts && again(result) && Date.now() < deadline; n++) {
    await sleep(backoffDelayMs(n - 1, options))
    result = await attempt(result, n)
  }
  return result
}

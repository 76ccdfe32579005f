import { InvalidArgumentError } from './errors'

/**
 * Maps `items` through `fn` with at most `concurrency` calls in flight, and resolves to the results in input order
 * (like `Promise.all`). If a call rejects, no new calls start and the first rejection (in completion order) is
 * thrown once the calls already running have settled, so nothing keeps running in the background.
 *
 * @example
 * const plain = await mapWithConcurrency(items, 16, (item) => decryptItem(item, config))
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if `concurrency` is not a positive integer.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError('mapWithConcurrency: "concurrency" must be a positive integer')
  }
  const results: R[] = new Array<R>(items.length)
  let next = 0
  let failed = false
  let firstError: unknown
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index] as T, index)
      } catch (error) {
        if (!failed) {
          failed = true
          firstError = error
        }
      }
    }
  }
  const workers: Promise<void>[] = []
  for (let i = 0; i < Math.min(concurrency, items.length); i++) workers.push(worker())
  await Promise.all(workers)
  if (failed) throw firstError
  return results
}

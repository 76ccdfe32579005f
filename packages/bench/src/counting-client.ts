/** An SDK v3 client (or anything with `send`) whose calls are counted. */
export interface CountingClient<C extends { send: (...args: any[]) => Promise<any> }> {
  /** Pass this to the code under test: same `send`, counted. */
  readonly client: C
  /** Calls made so far. */
  readonly count: () => number
  /** Calls per command name (`GetItemCommand`, `GenerateDataKeyCommand`, ...). */
  readonly byCommand: () => Readonly<Record<string, number>>
  /** Sets every count back to zero. */
  readonly reset: () => void
}

/**
 * Wraps `client` in an object that inherits everything from it but counts each `send`. The wrapped client is not
 * changed, and the wrapper is what the provider or store under test gets.
 */
export function countingClient<C extends { send: (...args: any[]) => Promise<any> }>(client: C): CountingClient<C> {
  let total = 0
  let perCommand: Record<string, number> = {}
  const wrapper = Object.create(client) as C
  const send = (...args: any[]): Promise<any> => {
    total += 1
    const name = (args[0] as { constructor?: { name?: string } } | undefined)?.constructor?.name ?? 'unknown'
    perCommand[name] = (perCommand[name] ?? 0) + 1
    return client.send(...args)
  }
  Object.defineProperty(wrapper, 'send', { value: send })
  return {
    client: wrapper,
    count: () => total,
    byCommand: () => ({ ...perCommand }),
    reset: () => {
      total = 0
      perCommand = {}
    },
  }
}

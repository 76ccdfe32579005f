/** Freezes a value and everything reachable from it (typed arrays cannot be frozen, so they are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key])
  }
  return value
}

/** A deep structural copy (Uint8Arrays copied), to compare an input with itself after a call. */
export function deepCopy<T>(value: T): T {
  if (value instanceof Uint8Array) return value.slice() as T
  if (Array.isArray(value)) return value.map(deepCopy) as T
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: deepCopy((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true })
    }
    return out as T
  }
  return value
}

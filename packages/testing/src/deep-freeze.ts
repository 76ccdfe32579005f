/**
 * Deep-frozen inputs for "never mutates the caller's objects" tests (STYLE.md 8), shared by every package's tests.
 */

/**
 * Freezes a value and everything reachable from it: own properties (symbols too), array entries, Set and Map
 * members. Typed arrays cannot be frozen, so they are left as they are (compare them with {@link deepCopy}).
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value
  Object.freeze(value)
  if (value instanceof Set || value instanceof Map) for (const member of value.values()) deepFreeze(member)
  if (value instanceof Map) for (const key of value.keys()) deepFreeze(key)
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key])
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

/**
 * Own-property helpers for records keyed by attribute names, map keys and description keys, any of which may be
 * `__proto__` (a legal DynamoDB name).
 */

/** Defines `key` on `target` as an own, enumerable property, even when the key is `__proto__`. @internal */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    // A plain assignment would change the prototype instead of adding a key.
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    target[key] = value
  }
}

/** True if `key` is an own property of `target` (never an inherited one). @internal */
export function hasOwn(target: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(target, key)
}

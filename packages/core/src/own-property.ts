/**
 * Own-property helpers for records keyed by attribute names, map keys, description keys and KMS context keys, any
 * of which may be `__proto__`, `constructor`, `toString` or `hasOwnProperty` (all legal DynamoDB names). This is the
 * one implementation every package uses: a plain `obj[name] = value` with `name === '__proto__'` changes the
 * prototype instead of adding a key, and a plain `obj[name]` read finds inherited members such as `constructor`.
 */

/**
 * Defines `key` on `target` as an own, enumerable, writable property, even when the key is `__proto__`.
 *
 * @example
 * const out: Record<string, string> = {}
 * setOwn(out, '__proto__', 'x') // Object.keys(out) is ['__proto__']
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    // A plain assignment would change the prototype instead of adding a key.
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    target[key] = value
  }
}

/** True if `key` is an own property of `target` (never an inherited one such as `constructor`). */
export function hasOwn(target: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(target, key)
}

/** The own property `key` of `target`, or `undefined` if it has none (inherited members are never returned). */
export function getOwn<T>(target: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined
}

/**
 * A copy of the own enumerable string-keyed entries of `source` (`__proto__` included, as an own key), each value
 * checked by `check` (which throws for a bad one). The copy is a plain object.
 */
export function copyOwnRecord<T>(source: object, check: (key: string, value: unknown) => T): Record<string, T> {
  const copy: Record<string, T> = {}
  for (const key of Object.keys(source)) setOwn(copy, key, check(key, (source as Record<string, unknown>)[key]))
  return copy
}

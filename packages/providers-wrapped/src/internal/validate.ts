import { copyOwnRecord, InvalidArgumentError, type DelegatedKey } from '@ddb-encryption/core'

/** @internal True if `value` has the shape of a {@link DelegatedKey}. */
export function isDelegatedKey(value: unknown): value is DelegatedKey {
  if (typeof value !== 'object' || value === null) return false
  const key = value as Record<string, unknown>
  return typeof key.algorithm === 'string' &&
    ['encrypt', 'decrypt', 'wrap', 'unwrap', 'sign', 'verify'].every((m) => typeof key[m] === 'function')
}

/** @internal Throws an InvalidArgumentError naming `option` unless `value` is a DelegatedKey (or undefined when optional). */
export function checkKeyOption(option: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return
  if (!isDelegatedKey(value)) {
    throw new InvalidArgumentError(`"${option}" option must be a DelegatedKey (for example LocalDelegatedKey.fromBytes(...))`)
  }
}

/** @internal Copies a string-to-string map, throwing an InvalidArgumentError naming `option` for anything else. */
export function copyDescriptionOption(option: string, value: unknown): Record<string, string> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`"${option}" option must be an object of string keys to string values`)
  }
  return copyOwnRecord(value, (key, entry) => {
    if (typeof entry !== 'string') {
      throw new InvalidArgumentError(`"${option}" option entry "${key}" must be a string`)
    }
    return entry
  })
}

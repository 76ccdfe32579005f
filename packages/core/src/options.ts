/**
 * The one rule for option errors, shared by every package: a missing or wrong option throws
 * {@link InvalidArgumentError} (`ERR_INVALID_ARGUMENT`) with the message `<where>: "<name>" option must be <what>`.
 * Constructors and factories validate their options with these helpers, so callers can catch one class and read one
 * wording whichever package they use.
 */
import { InvalidArgumentError } from './errors'

/**
 * The option error: `<where>: "<name>" option must be <what>`.
 * @example throw invalidOption('MetaStore', 'tableName', 'a non-empty string')
 */
export function invalidOption(where: string, name: string, what: string, options?: ErrorOptions): InvalidArgumentError {
  return new InvalidArgumentError(`${where}: "${name}" option must be ${what}`, options)
}

/**
 * The options object itself (not null, not a primitive).
 * @throws InvalidArgumentError `<where>: options must be an object`.
 */
export function optionsObject<T>(value: T, where: string): NonNullable<T> {
  if (typeof value !== 'object' || value === null) throw new InvalidArgumentError(`${where}: options must be an object`)
  return value as NonNullable<T>
}

/** A non-empty string option. */
export function stringOption(value: unknown, where: string, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidOption(where, name, 'a non-empty string')
  return value
}

/** A boolean option; `fallback` when undefined. */
export function booleanOption(value: unknown, where: string, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw invalidOption(where, name, 'a boolean')
  return value
}

/** A positive safe integer option (counts, sizes); `fallback` when undefined. */
export function positiveIntegerOption(value: unknown, where: string, name: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalidOption(where, name, 'a positive integer')
  return value
}

/** Options for {@link durationOption}. */
export interface DurationOptions {
  /** Accept 0 as well. Default `false` (a duration must be positive). */
  readonly allowZero?: boolean
  /** Milliseconds returned when the option is undefined. Default: none (undefined is refused). */
  readonly fallback?: number
}

/** A finite number of milliseconds, > 0 (or >= 0 with `allowZero`); `fallback` when undefined. */
export function durationOption(value: unknown, where: string, name: string, options: DurationOptions = {}): number {
  const { allowZero = false, fallback } = options
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw invalidOption(where, name, `a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`)
  }
  return value
}

/** One of a fixed set of strings; `fallback` when undefined. */
export function oneOfOption<T extends string>(value: unknown, where: string, name: string, allowed: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidOption(where, name, allowed.map((entry) => `"${entry}"`).join(' or '))
  }
  return value as T
}

/** A function option; `fallback` when undefined. */
export function functionOption<T extends (...args: never[]) => unknown>(value: unknown, where: string, name: string, what: string, fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'function') throw invalidOption(where, name, what)
  return value as T
}

/**
 * An object with the given methods (an SDK client: `['send']`; a materials provider:
 * `['getEncryptionMaterials', 'getDecryptionMaterials']`). Checked structurally, never with `instanceof`, so fakes and
 * other copies of the SDK pass.
 */
export function methodsOption<T>(value: unknown, where: string, name: string, methods: readonly string[], what: string): T {
  const ok = typeof value === 'object' && value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  if (!ok) throw invalidOption(where, name, what)
  return value as T
}

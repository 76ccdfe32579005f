import { getOwn, InvalidArgumentError, InvalidVersionError, MaterialDescriptionKey, ProviderStoreError } from '@ddb-encryption/core'

/** Separator between material name and version in `amzn-ddb-meta-id` (FORMAT.md 7.4). */
const META_ID_SEPARATOR = '#'

/**
 * Refuses material names that are not non-empty strings or that would make the meta id ambiguous: both reference readers split `<name>#<version>`
 * on the first `#` (Python) or match `[^#]+#\d*` (Java), so a name holding `#` could never be read back.
 *
 * @internal
 */
export function assertMaterialName(materialName: unknown, option = 'materialName'): asserts materialName is string {
  if (typeof materialName !== 'string' || materialName.length === 0) {
    throw new InvalidArgumentError(`"${option}" option must be a non-empty string`)
  }
  if (materialName.includes(META_ID_SEPARATOR)) {
    throw new InvalidArgumentError(
      `"${option}" must not contain "#": the version is stored after the first "#" of amzn-ddb-meta-id; choose another name`,
    )
  }
}

/**
 * Refuses versions that are not non-negative safe integers.
 *
 * @internal
 */
export function assertVersion(version: unknown, option = 'version'): asserts version is number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new InvalidArgumentError(`"${option}" must be a non-negative integer (versions start at 0)`)
  }
}

/**
 * The `amzn-ddb-meta-id` value of one version: `<name>#<version>` (FORMAT.md 7.4).
 *
 * @internal
 */
export function metaId(materialName: string, version: number): string {
  return `${materialName}${META_ID_SEPARATOR}${version}`
}

/**
 * Parses decimal version text (digits only, at most `Number.MAX_SAFE_INTEGER`); `undefined` if it is not one.
 *
 * @internal
 */
export function parseVersion(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}

/**
 * Reads the version from `amzn-ddb-meta-id`: the text after the first `#` (FORMAT.md 7.4). The material name
 * before it is ignored on purpose: readers use their configured name (FORMAT.md 7.5).
 *
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if the description is not an object.
 * @throws {ProviderStoreError} ERR_PROVIDER_STORE if the description has no `amzn-ddb-meta-id`.
 * @throws {InvalidVersionError} ERR_INVALID_VERSION if it has no `#` or the version is not a decimal integer.
 */
export function versionFromMaterialDescription(materialDescription: Readonly<Record<string, string>>): number {
  if (typeof materialDescription !== 'object' || materialDescription === null) {
    throw new InvalidArgumentError('versionFromMaterialDescription: the material description must be an object of string values')
  }
  const id: unknown = getOwn(materialDescription, MaterialDescriptionKey.MetaId)
  if (typeof id !== 'string') {
    throw new ProviderStoreError(
      `The material description has no "${MaterialDescriptionKey.MetaId}"; the item was not written by a most-recent provider`,
    )
  }
  const at = id.indexOf(META_ID_SEPARATOR)
  const version = at < 0 ? undefined : parseVersion(id.slice(at + 1))
  if (version === undefined) {
    throw new InvalidVersionError(
      `Malformed "${MaterialDescriptionKey.MetaId}": expected "<material name>#<decimal version>"`,
    )
  }
  return version
}

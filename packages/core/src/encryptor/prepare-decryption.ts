import type { Item } from '../attribute-value'
import { PREPARE_DECRYPTION, type PreparesDecryption } from '../materials/cryptographic-materials-provider'
import { hasOwn } from '../own-property'
import { ReservedAttribute } from '../wire'
import type { CryptoConfig } from './crypto-config'
import { EMPTY_DESCRIPTION, parsedDescription } from './description-cache'

const DESCRIPTION = ReservedAttribute.MaterialDescription

/** Items whose content keys a provider prepares at once in `decryptItems` (the batch size of its unwraps). @internal */
export const PREPARE_CHUNK = 32

const NOTHING = (): void => undefined

/** True if `config`'s provider offers {@link PREPARE_DECRYPTION} (our wrapped and most-recent providers). @internal */
export function canPrepareDecryption(config: CryptoConfig): boolean {
  if (typeof config !== 'object' || config === null || config.attributeActions?.takeNoActions === true) return false
  const provider = config.materialsProvider as Partial<PreparesDecryption> | null | undefined
  return typeof provider === 'object' && provider !== null && typeof provider[PREPARE_DECRYPTION] === 'function'
}

/**
 * Lets `config`'s provider prepare the decryption materials of `items` (see {@link PREPARE_DECRYPTION}): reads each
 * item's material description as `decryptItem` will (`undefined` where it cannot: the item then fails or succeeds
 * on its own later, exactly as without this) and hands them over. Returns the function that drops what the provider
 * kept. Never throws: a preparation that fails prepares nothing.
 * @internal
 */
export function prepareDecryption(items: readonly Item[], config: CryptoConfig): () => void {
  try {
    const provider = config.materialsProvider as unknown as PreparesDecryption
    const descriptions: (Readonly<Record<string, string>> | undefined)[] = new Array(items.length)
    for (let i = 0; i < items.length; i++) descriptions[i] = descriptionOf(items[i])
    const release = provider[PREPARE_DECRYPTION](descriptions)
    return typeof release === 'function' ? release : NOTHING
  } catch {
    return NOTHING
  }
}

/** The item's parsed description as `decryptItem` reads it, or `undefined` if it has a malformed one. */
function descriptionOf(item: unknown): Readonly<Record<string, string>> | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  if (!hasOwn(item as Item, DESCRIPTION)) return EMPTY_DESCRIPTION
  const value: unknown = (item as Item)[DESCRIPTION]
  const bytes = typeof value === 'object' && value !== null ? (value as { B?: unknown }).B : undefined
  if (!(bytes instanceof Uint8Array)) return undefined
  try {
    return parsedDescription(bytes)
  } catch {
    return undefined
  }
}

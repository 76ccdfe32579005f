import {
  AttributeActions,
  CryptoAction,
  cryptoActionName,
  decryptItem,
  deserializeMaterialDescription,
  MaterialDescriptionKey,
  ReservedAttribute,
  stringToSign,
  type CryptoConfig,
  type DecryptionMaterials,
  type AttributeValue,
  type Item,
} from '@ddb-encryption/core'
import { isMismatch } from './migration-window'

/** Options of {@link explainItem}. */
export interface ExplainOptions {
  /** Candidate action sets tried at most (each is one local signature check). Default 100,000. */
  maxCandidates?: number
  /** At most this many attributes changed from the reader's actions. Default 3. */
  maxChangedAttributes?: number
}

/** One attribute whose action differs between reader and writer. */
export interface ActionDifference {
  readonly attribute: string
  /** The reader's action name (`ENCRYPT_AND_SIGN`, `SIGN_ONLY`, `DO_NOTHING`). */
  readonly reader: string
  /** The action the writer used. */
  readonly writer: string
}

/** What {@link explainItem} found. Never contains attribute values. */
export type Explanation =
  /** The item verifies (and decrypts) with the reader's configuration: nothing to explain. */
  | { readonly verdict: 'verifies' }
  /** The item verifies and decrypts with these per-attribute actions instead of the reader's. */
  | {
      readonly verdict: 'actions-differ'
      readonly differences: readonly ActionDifference[]
      /** The action of every attribute of the item that makes it verify (reader's default for the others). */
      readonly actions: Readonly<Record<string, string>>
      readonly candidatesTried: number
    }
  /**
   * The writer used other keys (or the item was altered): the provider refused the item (`reason: 'materials'`,
   * certain), or no action set with up to `maxChangedAttributes` changes verifies (`reason: 'signature'`;
   * `exhaustive` when every action set of the item was tried).
   */
  | {
      readonly verdict: 'keys-differ'
      readonly reason: 'materials' | 'signature'
      readonly exhaustive: boolean
      readonly candidatesTried: number
      readonly code?: string
    }
  /** `maxCandidates` was reached first; raise it to search further. */
  | { readonly verdict: 'undetermined'; readonly candidatesTried: number }

const SIGNATURE = ReservedAttribute.Signature
const DESCRIPTION = ReservedAttribute.MaterialDescription
const ACTIONS = [CryptoAction.ENCRYPT_AND_SIGN, CryptoAction.SIGN_ONLY, CryptoAction.DO_NOTHING] as const

/** k-subsets of 0..n-1 in lexicographic order. */
function* subsets(n: number, k: number): Generator<number[]> {
  const index = Array.from({ length: k }, (_, i) => i)
  if (k > n) return
  for (;;) {
    yield index.slice()
    let i = k - 1
    while (i >= 0 && index[i] === n - k + i) i--
    if (i < 0) return
    index[i] = (index[i] as number) + 1
    for (let j = i + 1; j < k; j++) index[j] = (index[j - 1] as number) + 1
  }
}

/** Every way to give each chosen attribute one of its alternative actions. */
function* assignments(alternatives: readonly (readonly CryptoAction[])[]): Generator<CryptoAction[]> {
  if (alternatives.length === 0) {
    yield []
    return
  }
  const [first, ...rest] = alternatives
  for (const action of first as readonly CryptoAction[]) for (const tail of assignments(rest)) yield [action, ...tail]
}

/**
 * For one item that fails verification, finds which attributes' actions differ from the writer's: the reader's
 * provider supplies the materials once, then action sets are checked locally, those closest to the reader's first
 * (one attribute changed, then two, ...), and only plausible ones (an attribute is ENCRYPT_AND_SIGN only if it is
 * stored as binary). The winning set is confirmed by a full `decryptItem`. If the provider refuses the item, or no
 * set within the bounds verifies, the keys differ (or the item was altered).
 *
 * @example
 * const explanation = await explainItem(storedItem, { materialsProvider, attributeActions, encryptionContext: { tableName: 'orders', partitionKeyName: 'pk' } })
 * if (explanation.verdict === 'actions-differ') console.log(explanation.differences)
 * @throws errors that are not a verification mismatch (KMS / DynamoDB outages) unchanged.
 */
export async function explainItem(stored: Item, config: CryptoConfig, options: ExplainOptions = {}): Promise<Explanation> {
  const maxCandidates = options.maxCandidates ?? 100_000
  const maxChanged = options.maxChangedAttributes ?? 3
  try {
    await decryptItem(stored, config)
    return { verdict: 'verifies' }
  } catch (error) {
    if (!isMismatch(error)) throw error
  }
  const signature = (stored[SIGNATURE] as { B?: unknown } | undefined)?.B
  const descriptionBytes = (stored[DESCRIPTION] as { B?: unknown } | undefined)?.B
  if (!(signature instanceof Uint8Array)) return { verdict: 'keys-differ', reason: 'materials', exhaustive: true, candidatesTried: 0, code: 'ERR_DECRYPTION_FAILED' }
  let description: Record<string, string> = {}
  let materials: DecryptionMaterials
  try {
    if (descriptionBytes instanceof Uint8Array) description = deserializeMaterialDescription(descriptionBytes)
    const { tableName, partitionKeyName, sortKeyName } = config.encryptionContext
    materials = await config.materialsProvider.getDecryptionMaterials(Object.freeze({
      tableName,
      ...(partitionKeyName !== undefined ? { partitionKeyName } : {}),
      ...(sortKeyName !== undefined ? { sortKeyName } : {}),
      attributes: stored,
      materialDescription: Object.freeze({ ...description }),
    }))
  } catch (error) {
    if (!isMismatch(error)) throw error
    return { verdict: 'keys-differ', reason: 'materials', exhaustive: true, candidatesTried: 0, code: (error as { code?: string }).code ?? 'ERR_UNKNOWN' }
  }
  const key = materials.verificationKey
  const recorded = description[MaterialDescriptionKey.SigningAlgorithm]
  const algorithm = key.algorithm.endsWith('withRSA') && recorded !== undefined ? recorded : key.algorithm

  const body: Record<string, AttributeValue> = {}
  for (const [name, value] of Object.entries(stored)) if (name !== SIGNATURE && name !== DESCRIPTION) body[name] = value
  const keyNames = new Set([config.encryptionContext.partitionKeyName, config.encryptionContext.sortKeyName].filter((n) => n !== undefined))
  // Attributes whose action may differ, and their alternatives: never encrypted unless stored as binary; keys never encrypted.
  const names = Object.keys(body).sort()
  const readerActions = config.attributeActions
  const alternatives = names.map((name) => ACTIONS.filter((action) =>
    action !== readerActions.action(name) &&
    !(action === CryptoAction.ENCRYPT_AND_SIGN && (!((body[name] as { B?: unknown }).B instanceof Uint8Array) || keyNames.has(name)))))

  let tried = 0
  const { tableName } = config.encryptionContext
  for (let k = 1; k <= Math.min(maxChanged, names.length); k++) {
    for (const chosen of subsets(names.length, k)) {
      if (chosen.some((i) => (alternatives[i] as CryptoAction[]).length === 0)) continue
      for (const assignment of assignments(chosen.map((i) => alternatives[i] as CryptoAction[]))) {
        if (tried >= maxCandidates) return { verdict: 'undetermined', candidatesTried: tried }
        tried++
        const overrides: Record<string, CryptoAction> = { ...readerActions.attributeActions }
        for (const name of names) overrides[name] = readerActions.action(name)
        chosen.forEach((i, j) => { overrides[names[i] as string] = assignment[j] as CryptoAction })
        const candidate = new AttributeActions({ defaultAction: readerActions.defaultAction, attributeActions: overrides })
        let ok = false
        try {
          ok = await key.verify(algorithm, signature, stringToSign(body, tableName, candidate))
        } catch {
          ok = false
        }
        if (!ok) continue
        try {
          await decryptItem(stored, { ...config, attributeActions: candidate })
        } catch (error) {
          if (!isMismatch(error)) throw error
          continue
        }
        const actions: Record<string, string> = {}
        for (const name of names) actions[name] = cryptoActionName(candidate.action(name))
        return {
          verdict: 'actions-differ',
          differences: chosen.map((i) => ({
            attribute: names[i] as string,
            reader: cryptoActionName(readerActions.action(names[i] as string)),
            writer: cryptoActionName(candidate.action(names[i] as string)),
          })),
          actions,
          candidatesTried: tried,
        }
      }
    }
  }
  // Every candidate within the distance bound failed; with all distances searched the answer is certain.
  return { verdict: 'keys-differ', reason: 'signature', exhaustive: maxChanged >= names.length, candidatesTried: tried }
}

import { AttributeActions, CryptoAction, type Item } from '@ddb-encryption/core'
import { attributesEqual } from './compare'
import { VectorsUnavailableError, fromVectorItem, readJson } from './load-vectors'

/** Action names used by the vector files (FORMAT.md 10.4, 10.6). */
export const VECTOR_ACTIONS: Readonly<Record<string, CryptoAction>> = {
  encrypt: CryptoAction.ENCRYPT_AND_SIGN,
  sign: CryptoAction.SIGN_ONLY,
  nothing: CryptoAction.DO_NOTHING,
}

/** Maps a vector action name to a CryptoAction; throws for anything else. */
export function vectorAction(name: unknown): CryptoAction {
  const action = typeof name === 'string' ? VECTOR_ACTIONS[name] : undefined
  if (action === undefined) throw new VectorsUnavailableError(`Unknown action "${String(name)}" in vectors`)
  return action
}

/** One expected plaintext item with the actions to read and write it. */
export interface ExpectedItem {
  readonly item: Item
  readonly actions: AttributeActions
}

/** One table of `plaintext.json`. */
export interface PlaintextTable {
  readonly partitionKeyName: string
  readonly sortKeyName?: string
  /** Expected items for a scenario version (`v0`, `v1`). */
  itemsFor(version: string): ExpectedItem[]
}

interface PlaintextJson {
  actions: Record<string, { default: string; override?: Record<string, string> }>
  items: Record<string, {
    index: { partition: string; sort?: string }
    items: Array<{ attributes: unknown; action: string; exact?: boolean }>
  }>
  versions?: Record<string, Record<string, string[]>>
  attributes?: Record<string, unknown>
}

/**
 * Loads `plaintext.json` (FORMAT.md 10.6): per table, the expected item = its attributes plus the version's groups
 * unless `exact`; actions = the named set, then `setIndexKeys(index names)`.
 */
export function loadPlaintext(file: string): ReadonlyMap<string, PlaintextTable> {
  const json = readJson(file) as PlaintextJson
  if (typeof json.actions !== 'object' || typeof json.items !== 'object') {
    throw new VectorsUnavailableError(`${file}: expected "actions" and "items"`)
  }
  const actionSets = new Map<string, AttributeActions>()
  for (const [name, set] of Object.entries(json.actions)) {
    const overrides: Record<string, CryptoAction> = {}
    for (const [attribute, action] of Object.entries(set.override ?? {})) overrides[attribute] = vectorAction(action)
    actionSets.set(name, new AttributeActions({ defaultAction: vectorAction(set.default), attributeActions: overrides }))
  }
  const tables = new Map<string, PlaintextTable>()
  for (const [tableName, table] of Object.entries(json.items)) {
    const indexNames = [table.index.partition, ...(table.index.sort !== undefined ? [table.index.sort] : [])]
    tables.set(tableName, {
      partitionKeyName: table.index.partition,
      ...(table.index.sort !== undefined ? { sortKeyName: table.index.sort } : {}),
      itemsFor(version: string): ExpectedItem[] {
        const groups = json.versions?.[tableName]?.[version] ?? []
        const extra: Record<string, unknown> = {}
        for (const group of groups) {
          const attributes = json.attributes?.[group]
          if (attributes === undefined) throw new VectorsUnavailableError(`${file}: unknown attribute group "${group}"`)
          Object.assign(extra, attributes)
        }
        return table.items.map((entry, i) => {
          const actions = actionSets.get(entry.action)
          if (actions === undefined) throw new VectorsUnavailableError(`${file}: unknown action set "${entry.action}"`)
          const attributes = entry.exact === true ? (entry.attributes as object) : { ...(entry.attributes as object), ...extra }
          return { item: fromVectorItem(attributes, `${tableName}[${i}]`), actions: actions.setIndexKeys(...indexNames) }
        })
      },
    })
  }
  return tables
}

/** The expected item whose index key values equal those of `stored` (FORMAT.md 10.8 step 1), if any. */
export function findExpected(stored: Item, table: PlaintextTable, expected: readonly ExpectedItem[]): ExpectedItem | undefined {
  const names = [table.partitionKeyName, ...(table.sortKeyName !== undefined ? [table.sortKeyName] : [])]
  return expected.find(({ item }) => names.every((name) => {
    const a = stored[name]
    const b = item[name]
    return a !== undefined && b !== undefined && attributesEqual(a, b)
  }))
}

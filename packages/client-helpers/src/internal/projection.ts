/**
 * Applies a projection to a decrypted item, the way DynamoDB would have: only the requested document paths are
 * kept; list elements picked by index are returned in index order, without gaps.
 * @internal
 */
import type { AttributeValue, Item } from '@ddb-encryption/core'
import type { DocumentPath } from './expression'
import { getOwn, setOwn } from './own-property'

type Node = { whole: boolean; names: Map<string, Node>; indexes: Map<number, Node> }
const newNode = (): Node => ({ whole: false, names: new Map(), indexes: new Map() })

function buildTree(paths: readonly DocumentPath[]): Node {
  const root = newNode()
  for (const path of paths) {
    let node = root
    for (const element of path) {
      const map: Map<string | number, Node> = ('name' in element ? node.names : node.indexes) as Map<string | number, Node>
      const key = 'name' in element ? element.name : element.index
      let child = map.get(key)
      if (child === undefined) {
        child = newNode()
        map.set(key, child)
      }
      node = child
    }
    node.whole = true
  }
  return root
}

function projectValue(value: AttributeValue, node: Node): AttributeValue | undefined {
  if (node.whole) return value
  if ('M' in value && node.names.size > 0) {
    const out: Record<string, AttributeValue> = {}
    for (const [name, child] of node.names) {
      const v = getOwn(value.M, name)
      if (v === undefined) continue
      const projected = projectValue(v, child)
      if (projected !== undefined) setOwn(out, name, projected)
    }
    return Object.keys(out).length > 0 ? { M: out } : undefined
  }
  if ('L' in value && node.indexes.size > 0) {
    const out: AttributeValue[] = []
    for (const index of [...node.indexes.keys()].sort((a, b) => a - b)) {
      const v = value.L[index]
      if (v === undefined) continue
      const projected = projectValue(v, node.indexes.get(index) as Node)
      if (projected !== undefined) out.push(projected)
    }
    return out.length > 0 ? { L: out } : undefined
  }
  return undefined
}

/** Returns a new item holding only `paths` of `item`. */
export function projectItem(item: Item, paths: readonly DocumentPath[]): Item {
  const tree = buildTree(paths)
  const out: Record<string, AttributeValue> = {}
  for (const [name, child] of tree.names) {
    // Own attributes only: projecting "constructor" must not return Object, "__proto__" must not set a prototype.
    const v = getOwn(item, name)
    if (v === undefined) continue
    const projected = projectValue(v, child)
    if (projected !== undefined) setOwn(out, name, projected)
  }
  return out
}

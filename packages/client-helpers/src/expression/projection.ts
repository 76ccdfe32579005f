/**
 * Applies a parsed projection to a plaintext item, as DynamoDB does: only the requested document paths are kept;
 * list elements picked by index come back in index order, without gaps.
 * @internal
 */
import { setOwn, type AttributeValue, type Item } from '@ddb-encryption/core'
import type { DocumentPath } from './ast'

interface Node {
  whole: boolean
  readonly names: Map<string, Node>
  readonly indexes: Map<number, Node>
}
const newNode = (): Node => ({ whole: false, names: new Map(), indexes: new Map() })

function buildTree(paths: readonly DocumentPath[]): Node {
  const root = newNode()
  for (const path of paths) {
    let node = root
    for (const element of path) {
      const children = ('name' in element ? node.names : node.indexes) as Map<string | number, Node>
      const key = 'name' in element ? element.name : element.index
      let child = children.get(key)
      if (child === undefined) {
        child = newNode()
        children.set(key, child)
      }
      node = child
    }
    node.whole = true
  }
  return root
}

function projectRecord(record: Readonly<Record<string, AttributeValue>>, node: Node): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const [name, child] of node.names) {
    if (!Object.hasOwn(record, name)) continue
    const projected = projectValue(record[name] as AttributeValue, child)
    if (projected !== undefined) setOwn(out, name, projected)
  }
  return out
}

function projectValue(value: AttributeValue, node: Node): AttributeValue | undefined {
  if (node.whole) return value
  if ('M' in value && node.names.size > 0) {
    const out = projectRecord(value.M, node)
    return Object.keys(out).length > 0 ? { M: out } : undefined
  }
  if ('L' in value && node.indexes.size > 0) {
    const out: AttributeValue[] = []
    for (const index of [...node.indexes.keys()].sort((a, b) => a - b)) {
      const element = value.L[index]
      const projected = element === undefined ? undefined : projectValue(element, node.indexes.get(index) as Node)
      if (projected !== undefined) out.push(projected)
    }
    return out.length > 0 ? { L: out } : undefined
  }
  return undefined
}

/** A new item holding only `paths` of `item`. */
export function projectItem(item: Item, paths: readonly DocumentPath[]): Item {
  return projectRecord(item, buildTree(paths))
}

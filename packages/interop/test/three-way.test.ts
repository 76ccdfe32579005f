// Three-way interop: items written by each of Python (dynamodb-encryption-sdk 3.3.0), Java (aws-dynamodb-encryption-java
// 2.0.3) and us are read by the two others, with the same keys, for the static and the wrapped AES provider. Python
// and Java disagree on the order of signed strings and binary set members (FORMAT.md 1.4), so each reader's outcome
// is predicted per item: readers that accept only their own order verify exactly the items both orders sort alike.
import { decryptItem, encryptItem, type CryptoConfig, type Item } from '@ddb-encryption/core'
import { mapWithConcurrency } from '@ddb-encryption/core'

import { JavaReference, PythonReference, type BridgeItemResult, type InteropCase, type ReferenceBridge } from '../src'
import { staticPair, wrappedAesPair, type ProviderPair } from './support/provider-pairs'
import { configFor, describeError, entryFor, okItem, portableCase, sameCanonical, sample, SEED } from './support/round-trip'

jest.setTimeout(180_000)

/** Items written by each implementation per provider. */
const ITEMS = Math.min(300, Number(process.env.DDB_ENCRYPTION_INTEROP_ITEMS ?? 300))

type Side = 'ours' | 'Python' | 'Java'
/** Writers: ours in both non-refusing write modes, and the two references. */
type Writer = "ours writeMode 'python'" | "ours writeMode 'java'" | 'Python' | 'Java'
const READERS: readonly Side[] = ['ours', 'Python', 'Java']
const WRITERS: readonly Writer[] = ["ours writeMode 'python'", "ours writeMode 'java'", 'Python', 'Java']

/** Our settings when we write as `writer`; reading accepts both orders and (for Python's items) Python's number rounding. */
function oursOptions(writer: Writer): Partial<CryptoConfig> {
  return { writeMode: writer === "ours writeMode 'java'" ? 'java' : 'python', acceptPythonRoundedNumbers: true }
}

/**
 * Whether `reader` verifies an item `writer` wrote. We read every order; Python verifies only its code-point /
 * unsigned order and Java only its UTF-16 / signed order.
 */
function expectedReadable(writer: Writer, reader: Side, c: InteropCase): boolean {
  if (reader === 'ours') return true
  const writesJavaOrder = writer === 'Java' || writer === "ours writeMode 'java'"
  const readsJavaOrder = reader === 'Java'
  return writesJavaOrder === readsJavaOrder || portableCase(c)
}

let py: PythonReference
let java: JavaReference

beforeAll(async () => {
  process.stdout.write(`[three-way] fast-check seed ${SEED}, ${ITEMS} items per writer and provider\n`)
  ;[py, java] = await Promise.all([PythonReference.start(), JavaReference.start()])
})

afterAll(async () => {
  await py?.close()
  await java?.close()
})

describe.each([
  ['static AES + HmacSHA256', staticPair],
  ['wrapped AES (AESWrap) + HmacSHA256', wrappedAesPair],
])('three-way, %s', (name, makePair) => {
  let pair: ProviderPair
  const providers = new Map<ReferenceBridge, string>()

  beforeAll(async () => {
    pair = makePair()
    providers.set(py, await py.configure(pair.reference))
    providers.set(java, await java.configure(pair.reference))
  })

  const bridgeOf = (side: Side): ReferenceBridge => (side === 'Python' ? py : java)

  async function write(writer: Writer, cases: readonly InteropCase[]): Promise<Item[]> {
    if (writer !== 'Python' && writer !== 'Java') return mapWithConcurrency(cases, 8, (c) => encryptItem(c.item, configFor(pair.ours, c, oursOptions(writer))))
    const bridge = bridgeOf(writer)
    const results = await bridge.encryptItems(providers.get(bridge) as string, {}, cases.map((c) => entryFor(c, c.item)))
    return results.map(okItem)
  }

  async function read(reader: Side, cases: readonly InteropCase[], stored: readonly Item[]): Promise<Array<{ ok: boolean; item?: Item; error?: string }>> {
    if (reader === 'ours') {
      return mapWithConcurrency(stored, 8, async (item, i) => {
        try {
          return { ok: true, item: await decryptItem(item, configFor(pair.ours, cases[i] as InteropCase, oursOptions('Python'))) }
        } catch (error) {
          return { ok: false, error: String(error) }
        }
      })
    }
    const bridge = bridgeOf(reader)
    const results = await bridge.decryptItems(providers.get(bridge) as string, {}, stored.map((item, i) => entryFor(cases[i] as InteropCase, item)))
    return results.map((r: BridgeItemResult) => (r.ok ? { ok: true, item: okItem(r) } : { ok: false, error: describeError(r) }))
  }

  it.each(WRITERS)(`items written by %s: ${ITEMS} random items, each read by the two others exactly as predicted`, async (writer) => {
    const cases = sample(`three-way ${name} ${writer}`, ITEMS)
    const stored = await write(writer, cases)
    const summary: string[] = []
    for (const reader of READERS.filter((side) => side !== writer)) {
      const results = await read(reader, cases, stored)
      let verified = 0
      const wrong: string[] = []
      results.forEach((result, i) => {
        const c = cases[i] as InteropCase
        const expected = expectedReadable(writer, reader, c)
        if (result.ok) verified += 1
        if (result.ok !== expected) {
          wrong.push(`#${i}: expected ${expected ? 'readable' : 'a signature failure'}, got ${result.ok ? 'readable' : result.error}`)
        } else if (result.ok && !sameCanonical(result.item as Item, c.item)) {
          wrong.push(`#${i}: ${reader} read a different item`)
        } else if (!result.ok && !/Signature/.test(result.error ?? '')) {
          wrong.push(`#${i}: ${reader} failed with something other than a signature failure: ${result.error}`)
        }
      })
      if (wrong.length > 0) throw new Error(`${name}, ${writer} -> ${reader} (seed ${SEED}): ${wrong.length} unexpected outcome(s)\n${wrong.slice(0, 5).join('\n')}`)
      summary.push(`${reader} ${verified}/${ITEMS}`)
    }
    const portableCount = cases.filter(portableCase).length
    process.stdout.write(`[three-way] ${name}: written by ${writer} (${portableCount}/${ITEMS} order-portable): read by ${summary.join(', ')}\n`)
  })
})

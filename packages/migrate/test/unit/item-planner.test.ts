/**
 * ItemPlanner.planMany: the first read of every stored item goes through core's batch API (decryptMany), split
 * when an item fails, and the plans are exactly those of planning each item on its own (ItemPlanner.plan).
 */
import { AttributeActions, CryptoAction, encryptItem, LocalDelegatedKey, type CryptoConfig, type Item } from '@ddb-encryption/core'
import { StaticMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { inThreadCrypto, ItemPlanner, type PlannerCrypto, type PlanMode } from '../../src/item-planner'
import { plannerConfigs } from '../../src/planner-configs'
import type { TableSchema } from '../../src/table-schema'

function staticProvider(): StaticMaterialsProvider {
  return StaticMaterialsProvider.fromKeys({ encryptionKey: LocalDelegatedKey.generate('AES', 128), signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
}

const schema: TableSchema = { tableName: 'orders', partitionKeyName: 'pk', keyAttributeNames: ['pk'], approximateItemCount: 0 }
const actions = new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING } })
const current = staticProvider()
const old = staticProvider()
const configs = plannerConfigs({
  target: { materialsProvider: current, attributeActions: actions },
  previous: [{ name: 'old', materialsProvider: old, attributeActions: actions }],
  allowPlaintext: true,
}, schema, 'orders')

function item(i: number): Item {
  return { pk: { S: `order#${i}` }, card: { S: `4111 ${i}` }, note: { S: 'gift' } }
}

/** The planner's crypto, counting batch calls and their sizes. */
function counted(): { crypto: PlannerCrypto; batches: number[]; singles: number } {
  const inner = inThreadCrypto(configs)
  const seen = { batches: [] as number[], singles: 0 }
  const crypto: PlannerCrypto = {
    ...inner,
    decrypt: (stored, which) => { seen.singles++; return inner.decrypt(stored, which) },
    decryptMany: (items, which) => { seen.batches.push(items.length); return inner.decryptMany(items, which) },
  }
  return { crypto, get batches() { return seen.batches }, get singles() { return seen.singles } }
}

/** Plans without the generated parts (ciphertexts differ per encryption): kind, origin, and what the write expects. */
function shape(plan: Awaited<ReturnType<ItemPlanner['plan']>>): unknown {
  if (plan.kind !== 'write') return plan
  return { kind: plan.kind, from: plan.from, previousName: plan.previousName, expect: plan.expect.kind, attributes: Object.keys(plan.item).sort() }
}

describe('ItemPlanner.planMany', () => {
  const targetConfig: CryptoConfig = configs.target
  const oldConfig: CryptoConfig = configs.previous[0] as CryptoConfig

  it('reads a page of current items with one batch call', async () => {
    const stored = await Promise.all(Array.from({ length: 24 }, (_, i) => encryptItem(item(i), targetConfig)))
    const spy = counted()
    const plans = await new ItemPlanner(configs, spy.crypto).planMany(stored.map((s) => ({ stored: s })), 'migrate')
    expect(plans.every((p) => p.kind === 'current')).toBe(true)
    expect(spy.batches).toEqual([24])
    expect(spy.singles).toBe(0)
    const verified = counted()
    expect((await new ItemPlanner(configs, verified.crypto).planMany(stored.map((s) => ({ stored: s })), 'verify')).every((p) => p.kind === 'current')).toBe(true)
    expect(verified.batches).toEqual([24])
  })

  it.each(['migrate', 'verify'] as PlanMode[])('plans a mixed page (%s) exactly as item by item, splitting the failed batch', async (mode) => {
    const stored: Item[] = []
    for (let i = 0; i < 32; i++) {
      if (i === 5 || i === 6 || i === 20) stored.push(await encryptItem(item(i), oldConfig))
      else if (i === 9) stored.push(item(i)) // plaintext
      else if (i === 27) stored.push({ ...(await encryptItem(item(i), targetConfig)), card: { B: Uint8Array.of(1, 2, 3) } }) // tampered
      else stored.push(await encryptItem(item(i), targetConfig))
    }
    const spy = counted()
    const plans = await new ItemPlanner(configs, spy.crypto).planMany(stored.map((s) => ({ stored: s })), mode)
    const oneByOne = []
    for (const s of stored) oneByOne.push(await new ItemPlanner(configs).plan(s, mode))
    expect(plans.map(shape)).toEqual(oneByOne.map(shape))
    expect(plans[5]).toMatchObject(mode === 'migrate' ? { kind: 'write', from: 'previous', previousName: 'old' } : { kind: 'failed' })
    expect(plans[27]).toMatchObject({ kind: 'failed', code: 'ERR_SIGNATURE_VERIFICATION_FAILED' })
    // The first batch holds every encrypted item; each failed batch is split in two, at most three times.
    expect(spy.batches[0]).toBe(31)
    expect(spy.batches.length).toBeLessThanOrEqual(15)
    expect(spy.batches.length).toBeGreaterThan(1)
  })

  it('throws an outage from a batch unchanged', async () => {
    const outage = Object.assign(new Error('down'), { name: 'ServiceUnavailableException' })
    const crypto: PlannerCrypto = { ...inThreadCrypto(configs), decryptMany: () => Promise.reject(outage) }
    const stored = await encryptItem(item(1), targetConfig)
    await expect(new ItemPlanner(configs, crypto).planMany([{ stored }], 'migrate')).rejects.toBe(outage)
  })
})

import {
  AttributeActions,
  CryptoAction,
  encryptItem,
  LocalDelegatedKey,
  SignatureVerificationError,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
} from '@ddb-encryption/core'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { decryptItemInWindow, isPlaintextItem, type WindowReadEvent } from '../../src/migration-window'

function wrapped(): WrappedMaterialsProvider {
  const aes = LocalDelegatedKey.generate('AES', 256)
  return new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
}
function staticProvider(): StaticMaterialsProvider {
  return StaticMaterialsProvider.fromKeys({ encryptionKey: LocalDelegatedKey.generate('AES', 128), signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
}
const context = { tableName: 'orders', partitionKeyName: 'pk' }
const allSigned = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } })
const noteUnsigned = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, note: CryptoAction.DO_NOTHING } })
const item = { pk: { S: 'order#1' }, card: { S: '4111' }, note: { S: 'gift' } }

describe('decryptItemInWindow', () => {
  const current: CryptoConfig = { materialsProvider: wrapped(), attributeActions: allSigned, encryptionContext: context }
  const old = staticProvider()
  const oldConfig: CryptoConfig = { materialsProvider: old, attributeActions: noteUnsigned, encryptionContext: context }

  it('reads an item of the current configuration and reports "current"', async () => {
    const events: WindowReadEvent[] = []
    const result = await decryptItemInWindow(await encryptItem(item, current), current, { onRead: (e) => events.push(e) })
    expect(result.item).toEqual(item)
    expect(result.outcome).toBe('current')
    expect(events).toEqual([{ outcome: 'current', tableName: 'orders' }])
  })

  it('refuses plaintext items unless allowPlaintext is set (off by default)', async () => {
    expect(isPlaintextItem(item)).toBe(true)
    await expect(decryptItemInWindow(item, current)).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' })
    const events: WindowReadEvent[] = []
    const result = await decryptItemInWindow(item, current, { allowPlaintext: true, onRead: (e) => events.push(e) })
    expect(result).toMatchObject({ outcome: 'plaintext', item })
    expect(events).toEqual([{ outcome: 'plaintext', tableName: 'orders' }])
  })

  it('tries previous configurations in order and reports the one that matched', async () => {
    const stored = await encryptItem(item, oldConfig)
    // The current (wrapped) provider finds no wrapped key in a static item.
    await expect(decryptItemInWindow(stored, current)).rejects.toMatchObject({ code: 'ERR_UNWRAPPING_FAILED' })
    const events: WindowReadEvent[] = []
    const result = await decryptItemInWindow(stored, current, {
      previous: [
        { name: 'other', materialsProvider: staticProvider(), attributeActions: noteUnsigned },
        { name: 'static-2023', materialsProvider: old, attributeActions: noteUnsigned },
      ],
      onRead: (e) => events.push(e),
    })
    expect(result).toMatchObject({ outcome: 'previous', previousIndex: 1, previousName: 'static-2023', item })
    expect(events).toEqual([{ outcome: 'previous', previousIndex: 1, previousName: 'static-2023', tableName: 'orders' }])
  })

  it('keeps a tampered item rejected with the current configuration\'s error', async () => {
    const stored = { ...(await encryptItem(item, current)), pk: { S: 'order#2' } }
    await expect(decryptItemInWindow(stored, current, {
      allowPlaintext: true,
      previous: [{ materialsProvider: old, attributeActions: noteUnsigned }],
    })).rejects.toBeInstanceOf(SignatureVerificationError)
  })

  it('does not take an item with a description but no signature as plaintext', async () => {
    const { ['*amzn-ddb-map-sig*']: _signature, ...stripped } = await encryptItem(item, current)
    await expect(decryptItemInWindow(stripped, current, { allowPlaintext: true })).rejects.toMatchObject({ code: 'ERR_DECRYPTION_FAILED' })
  })

  it('surfaces an outage at once instead of trying the next configuration', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' })
    const down: CryptographicMaterialsProvider = {
      getEncryptionMaterials: () => Promise.reject(outage),
      getDecryptionMaterials: () => Promise.reject(outage),
      refresh: async () => undefined,
    }
    const stored = await encryptItem(item, oldConfig)
    const previousCalls: string[] = []
    const spy: CryptographicMaterialsProvider = {
      ...old,
      getEncryptionMaterials: (c) => old.getEncryptionMaterials(c),
      getDecryptionMaterials: (c) => { previousCalls.push('called'); return old.getDecryptionMaterials(c) },
      refresh: async () => undefined,
    }
    await expect(decryptItemInWindow(stored, { ...current, materialsProvider: down }, {
      previous: [{ materialsProvider: spy, attributeActions: noteUnsigned }],
    })).rejects.toBe(outage)
    expect(previousCalls).toEqual([])
  })
})

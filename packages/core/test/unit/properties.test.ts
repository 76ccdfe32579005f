import fc from 'fast-check'
import { CryptoAction, decryptItem, encryptItem, ReservedAttribute, type AttributeValue } from '../../src/index'
import { canonical, itemWithActions, PARTITION_KEY } from '../support/arbitraries'
import { aesHmacProvider, aesRsaProvider, deepCopy, deepFreeze, type TestStaticProvider } from '@ddb-encryption/testing'
import { configFor } from '../support/helpers'

describe.each([
  ['AES-128 + HmacSHA256', aesHmacProvider, 300],
  ['AES-128 + SHA256withRSA', aesRsaProvider, 100],
] as const)('encryptItem then decryptItem with %s', (_label, makeProvider, numRuns) => {
  let provider: TestStaticProvider
  beforeAll(() => {
    provider = makeProvider()
  })

  it('is the identity for random items of every type and nesting, under random actions', async () => {
    await fc.assert(
      fc.asyncProperty(itemWithActions, async ({ item, actions }) => {
        deepFreeze(item)
        const before = deepCopy(item)
        const config = configFor(provider, actions)
        const encrypted = await encryptItem(item, config)
        const decrypted = await decryptItem(encrypted, config)

        expect(item).toEqual(before)
        expect(Object.keys(decrypted)).toEqual(Object.keys(item))
        for (const name of Object.keys(item)) {
          const original = item[name] as AttributeValue
          const stored = encrypted[name] as AttributeValue
          const action = actions.action(name)
          if (action === CryptoAction.ENCRYPT_AND_SIGN) {
            expect(stored).toEqual({ B: expect.any(Uint8Array) })
            // Serialization normalizes numbers and sorts sets; the value is the same.
            expect(canonical(decrypted[name] as AttributeValue)).toEqual(canonical(original))
          } else {
            expect(stored).toBe(original)
            expect(decrypted[name]).toBe(original)
          }
        }
        if (actions.takeNoActions) {
          expect(encrypted).toEqual(item)
        } else {
          expect(Object.keys(encrypted).slice(-2)).toEqual([ReservedAttribute.Signature, ReservedAttribute.MaterialDescription])
        }
        expect(decrypted[PARTITION_KEY]).toBe(item[PARTITION_KEY])
      }),
      { numRuns },
    )
  })
})

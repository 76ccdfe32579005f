/**
 * One key-operation path: LocalDelegatedKey offers native operations, every other DelegatedKey gets the generic
 * adapter over its public methods, and both give the same bytes, results and errors. (The item-level proofs, the
 * encryptor with a local key against the same key behind a forwarding wrapper, are in perf-equivalence.test.ts.)
 */
import { createDecipheriv, randomBytes } from 'node:crypto'
import { isPending, keyOperations, NATIVE_OPERATIONS, type KeyOperations } from '../../src/crypto/key-operations'
import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { DecryptionError, InvalidArgumentError, JceTransformationError } from '../../src/errors'
import { forwardingKey } from '@ddb-encryption/testing'

const CBC = 'AES/CBC/PKCS5Padding'

function nodeDecrypt(key: Uint8Array, blob: Uint8Array): Uint8Array {
  const decipher = createDecipheriv(`aes-${key.byteLength * 8}-cbc`, key, blob.subarray(0, 16))
  return new Uint8Array(Buffer.concat([decipher.update(blob.subarray(16)), decipher.final()]))
}

async function settle<T>(value: T | Promise<T>): Promise<T> {
  return isPending(value) ? await value : value
}

/** What `decryptAttributes` hands to `use`, as comparable data. */
async function decrypted(operations: KeyOperations, blobs: Uint8Array[]): Promise<unknown[]> {
  const names = blobs.map((_, i) => `a${i}`)
  return settle(operations.decryptAttributes(CBC, names, blobs, (plaintexts) =>
    plaintexts.map((p) => (p instanceof Uint8Array ? Buffer.from(p).toString('hex') : { error: p.constructor.name, message: p.message }))))
}

describe('keyOperations', () => {
  const bytes = new Uint8Array(randomBytes(32))
  const local = LocalDelegatedKey.fromBytes({ key: bytes, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })

  it('gives a LocalDelegatedKey its native operations and any other key a generic adapter, each built once', () => {
    const wrapped = forwardingKey(local)
    expect(keyOperations(local)).toBe(local[NATIVE_OPERATIONS]())
    expect(keyOperations(local)).toBe(keyOperations(local))
    expect(keyOperations(wrapped)).not.toBe(keyOperations(local))
    expect(keyOperations(wrapped)).toBe(keyOperations(wrapped))
    // Native operations answer synchronously, the adapter through promises.
    expect(isPending(keyOperations(local).encryptAttributes(CBC, ['a'], [new Uint8Array(3)]))).toBe(false)
    expect(isPending(keyOperations(wrapped).encryptAttributes(CBC, ['a'], [new Uint8Array(3)]))).toBe(true)
  })

  it('native operations are one frozen object per key whose methods are shared by all keys (no closures per key)', () => {
    const other = LocalDelegatedKey.generate('AES', 128)
    const ops = keyOperations(local)
    const otherOps = keyOperations(other)
    expect(Object.isFrozen(ops)).toBe(true)
    expect(otherOps).not.toBe(ops)
    for (const method of ['encryptAttributes', 'decryptAttributes', 'sign', 'verify', 'wrapNewKey', 'unwrapKey'] as const) {
      expect(typeof ops[method]).toBe('function')
      expect(otherOps[method]).toBe(ops[method])
    }
    // Each object acts on its own key: what one key encrypts, the other cannot decrypt (and its own can).
    const [blob] = ops.encryptAttributes(CBC, ['a'], [new Uint8Array([1, 2, 3])]) as Uint8Array[]
    const own = ops.decryptAttributes(CBC, ['a'], [blob as Uint8Array], (p) => (p[0] instanceof Uint8Array ? Array.from(p[0]) : 'error'))
    const foreign = otherOps.decryptAttributes(CBC, ['a'], [blob as Uint8Array], (p) => (p[0] instanceof Uint8Array ? Array.from(p[0]) : 'error'))
    expect(own).toEqual([1, 2, 3])
    expect(foreign).not.toEqual([1, 2, 3])
  })

  it('encrypts to CBC blobs that Node decrypts, natively and through the adapter, even when the input views are reused at once', async () => {
    for (const operations of [keyOperations(local), keyOperations(forwardingKey(local))]) {
      const shared = new Uint8Array(randomBytes(300))
      const original = shared.slice()
      const views = [shared.subarray(0, 0), shared.subarray(0, 17), shared.subarray(17, 300)]
      const pending = operations.encryptAttributes(CBC, ['a', 'b', 'c'], views)
      shared.fill(0) // the caller reuses its buffer as soon as the call returns
      const blobs = await settle(pending)
      expect(blobs.map((blob) => Buffer.from(nodeDecrypt(bytes, blob)).toString('hex')))
        .toEqual([original.subarray(0, 0), original.subarray(0, 17), original.subarray(17, 300)].map((p) => Buffer.from(p).toString('hex')))
    }
  })

  it('decrypts mixes of good, badly padded, short and garbage blobs to the same plaintexts and errors both ways', async () => {
    const blobs = await settle(keyOperations(local).encryptAttributes(CBC, ['a', 'b'], [new Uint8Array(5), new Uint8Array(40).fill(7)]))
    const cases = [
      [...blobs],
      [blobs[0] as Uint8Array, new Uint8Array(16), blobs[1] as Uint8Array],
      [new Uint8Array(randomBytes(64)), blobs[1] as Uint8Array, new Uint8Array(33)],
    ]
    for (const list of cases) {
      const native = await decrypted(keyOperations(local), list)
      const adapted = await decrypted(keyOperations(forwardingKey(local)), list)
      expect(adapted).toEqual(native)
      expect(native.some((p) => typeof p === 'object')).toBe(list !== cases[0])
      for (const p of native) if (typeof p === 'object') expect(p).toEqual({ error: DecryptionError.name, message: 'Decryption failed' })
    }
  })

  it('signs and verifies with the same results both ways, and refuses a wrong transformation the same way', async () => {
    const mac = LocalDelegatedKey.generate('HmacSHA256', 256)
    const data = new Uint8Array(randomBytes(500))
    const native = await settle(keyOperations(mac).sign('HmacSHA256', data))
    expect(Buffer.compare(await settle(keyOperations(forwardingKey(mac)).sign('HmacSHA256', data)), native)).toBe(0)
    for (const operations of [keyOperations(mac), keyOperations(forwardingKey(mac))]) {
      expect(await settle(operations.verify('HmacSHA256', native, data))).toBe(true)
      expect(await settle(operations.verify('HmacSHA256', native.subarray(1), data))).toBe(false)
    }
    const refusal = async (operations: KeyOperations): Promise<unknown> => {
      try {
        return await settle(operations.encryptAttributes('AES/GCM/NoPadding', ['a'], [new Uint8Array(1)]))
      } catch (error) {
        return error
      }
    }
    expect(await refusal(keyOperations(local))).toBeInstanceOf(JceTransformationError)
    expect(await refusal(keyOperations(forwardingKey(local)))).toBeInstanceOf(JceTransformationError)
  })

  it('refuses subclasses of LocalDelegatedKey, whose overrides the native operations would bypass', () => {
    const Base = LocalDelegatedKey as unknown as new (...args: unknown[]) => LocalDelegatedKey
    class Sub extends Base {}
    const spec = { family: 'aes', allowedForRawMaterials: true }
    expect(() => new Sub(undefined, 'AES', spec)).toThrow(InvalidArgumentError)
  })
})

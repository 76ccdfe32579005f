/**
 * The fast paths must produce exactly the bytes of the straightforward ones. AES-CBC (FORMAT.md 4.2, 4.3) runs on
 * persistent per-key CBC contexts (see `src/crypto/aes-cbc.ts`); here every result is compared with a fresh
 * `createCipheriv` / `createDecipheriv` per message, Node's own AES-CBC with PKCS#7 padding. The string to sign
 * (FORMAT.md 3.2) hashes into one buffer and serializes every value on one reused writer; it is compared with the
 * format's definition computed piece by piece with a fresh `createHash` each.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { AttributeActions } from '../../src/attribute-actions'
import type { AttributeValue } from '../../src/attribute-value'
import { CryptoAction } from '../../src/crypto-action'
import { AesCbc, cbcPadding, keptPlaintext } from '../../src/crypto/aes-cbc'
import { sha256, sha256Into } from '../../src/crypto/hash'
import { hmacSign, hmacVerify } from '../../src/crypto/hmac'
import { wrapNewContentKey } from '../../src/crypto/key-operations'
import { LocalDelegatedKey } from '../../src/crypto/local-delegated-key'
import { DecryptionError, EncryptionError, SerializationError } from '../../src/errors'
import { deserializeAttribute, deserializeDecrypted, serializeAttribute } from '../../src/serialize/attribute'
import { ByteWriter } from '../../src/serialize/byte-writer'
import { ByteReader, type ByteReaderErrors } from '../../src/serialize/byte-reader'
import { stringToSign, stringToSignOfWritten, stringToSignWithFlags } from '../../src/serialize/string-to-sign'
import { SerializeFlag } from '../../src/serialize/serialize-options'
import { compareBytesSigned, compareBytesUnsigned, compareCodePoint, compareUtf16, sortInPlace } from '../../src/serialize/ordering'
import { MaterialDescriptionKey, ReservedAttribute, SYMMETRIC_MODE } from '../../src/wire'
import { descriptionBytes, parsedDescription } from '../../src/encryptor/description-cache'
import { adoptEncryptionMaterials, createDecryptionMaterials, createEncryptionMaterials, type DecryptionMaterials, type EncryptionMaterials } from '../../src/materials/cryptographic-materials'
import type { CryptographicMaterialsProvider } from '../../src/materials/cryptographic-materials-provider'
import type { EncryptionContext } from '../../src/encryption-context'
import { deserializeMaterialDescription, serializeMaterialDescription } from '../../src/serialize/material-description'
import { attributeName, attributeValue, bytes, canonical, cryptoAction, text, EDGE_NUMBERS, itemWithActions, makeItem, numberText } from '../support/arbitraries'
import { normalizeNumber, normalizeNumberFully } from '../../src/serialize/number'
import { configFor, rejection, resign } from '../support/helpers'
import { forwardingKey, TestStaticProvider, withDescription } from '@ddb-encryption/testing'
import { transformationOf } from '../../src/encryptor/crypto-config'
import { decryptItem } from '../../src/encryptor/decrypt-item'
import { encryptItem } from '../../src/encryptor/encrypt-item'
import type { DelegatedKey } from '../../src/materials/delegated-key'

const CBC = 'AES/CBC/PKCS5Padding'
const NODE_CBC: Record<number, string> = { 16: 'aes-128-cbc', 24: 'aes-192-cbc', 32: 'aes-256-cbc' }

function nodeCipherName(key: Uint8Array): string {
  const name = NODE_CBC[key.byteLength]
  if (name === undefined) throw new Error(`no AES variant for ${key.byteLength} bytes`)
  return name
}

function ours(key: Uint8Array): AesCbc {
  return new AesCbc(nodeCipherName(key), createSecretKey(key))
}

function localKey(key: Uint8Array): LocalDelegatedKey {
  return LocalDelegatedKey.fromBytes({ key, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
}

/** Node's AES-CBC with PKCS#7 under a fresh context: `IV ‖ ciphertext`. */
function nodeEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv(nodeCipherName(key), key, iv)
  return new Uint8Array(Buffer.concat([iv, cipher.update(plaintext), cipher.final()]))
}

/** Node's AES-CBC decryption with PKCS#7 under a fresh context; undefined when Node refuses the input. */
function nodeDecrypt(key: Uint8Array, blob: Uint8Array): Uint8Array | undefined {
  try {
    const decipher = createDecipheriv(nodeCipherName(key), key, blob.subarray(0, 16))
    return new Uint8Array(Buffer.concat([decipher.update(blob.subarray(16)), decipher.final()]))
  } catch {
    return undefined
  }
}

/** Node's raw CBC without padding: for hand-made (possibly badly padded) last blocks. */
function nodeEncryptRaw(key: Uint8Array, iv: Uint8Array, blocks: Uint8Array): Uint8Array {
  const cipher = createCipheriv(nodeCipherName(key), key, iv).setAutoPadding(false)
  return new Uint8Array(Buffer.concat([iv, cipher.update(blocks), cipher.final()]))
}

/** Byte equality without jest's slow element-by-element diffing (used in loops of thousands). */
function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.compare(a, b) === 0
}

function isDecryptionFailure(run: () => unknown): boolean {
  try {
    run()
  } catch (error) {
    return error instanceof DecryptionError && error.message === 'Decryption failed'
  }
  return false
}

function caught(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

const aesKey = fc.constantFrom(16, 24, 32).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }))
const iv = fc.uint8Array({ minLength: 16, maxLength: 16 })
const plaintext = fc.uint8Array({ minLength: 0, maxLength: 1100 })

describe('AesCbc on persistent contexts equals a fresh Node AES-CBC context per message', () => {
  it('encrypts sequences of messages (lengths 0..1100) to the bytes createCipheriv gives under the IV it chose, for 128/192/256-bit keys', () => {
    fc.assert(
      fc.property(aesKey, fc.array(plaintext, { minLength: 1, maxLength: 6 }), (key, messages) => {
        // One AesCbc for the whole sequence: each message must be independent of the chaining state left by the last.
        // Given the IV (the blob's first block), Node's fresh context must produce exactly the rest of the blob.
        const cbc = ours(key)
        for (const message of messages) {
          const copy = message.slice()
          const blob = cbc.encrypt(message)
          expect(blob).toEqual(nodeEncrypt(key, blob.subarray(0, 16), message))
          expect(message).toEqual(copy)
        }
      }),
      { numRuns: 400 },
    )
  })

  it('decrypts what createCipheriv wrote, for every length 0..1100 in a row on one context', () => {
    let checked = 0
    for (const length of [16, 24, 32]) {
      const key = new Uint8Array(randomBytes(length))
      const cbc = ours(key)
      for (let n = 0; n <= 1100; n++) {
        const message = new Uint8Array(randomBytes(n))
        const blob = nodeEncrypt(key, new Uint8Array(randomBytes(16)), message)
        const result = cbc.decrypt(blob)
        if (!same(result, message)) throw new Error(`AES-${length * 8}: a ${n}-byte message decrypted differently`)
        checked++
      }
    }
    expect(checked).toBe(3 * 1101)
  })

  it('accepts and refuses exactly what createDecipheriv does, with the same plaintext, for random ciphertexts', () => {
    fc.assert(
      fc.property(aesKey, fc.array(fc.integer({ min: 2, max: 70 }), { minLength: 1, maxLength: 6 }), (key, blockCounts) => {
        const cbc = ours(key)
        for (const blocks of blockCounts) {
          const blob = new Uint8Array(randomBytes(16 * blocks))
          const expected = nodeDecrypt(key, blob)
          if (expected === undefined) {
            const error = caught(() => cbc.decrypt(blob))
            expect(error).toBeInstanceOf(DecryptionError)
            expect((error as Error).message).toBe('Decryption failed')
          } else {
            expect(cbc.decrypt(blob)).toEqual(expected)
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('round-trips and matches Node when single encryptions, batches and decryptions interleave on one key', () => {
    // Given its IV, CBC encryption is a bijection onto ciphertexts that decrypt with valid padding: so a blob that
    // Node's createDecipheriv (which checks the padding) turns back into the plaintext IS the CBC ciphertext of it.
    fc.assert(
      fc.property(aesKey, fc.array(fc.tuple(fc.constantFrom('random', 'batch', 'decrypt'), iv, plaintext), { minLength: 1, maxLength: 12 }), (key, steps) => {
        const cbc = ours(key)
        for (const [step, stepIv, message] of steps) {
          if (step === 'random') {
            const blob = cbc.encrypt(message)
            expect(blob.byteLength).toBe(16 + 16 * (Math.floor(message.byteLength / 16) + 1))
            expect(same(nodeDecrypt(key, blob), message)).toBe(true)
            expect(same(nodeEncrypt(key, blob.subarray(0, 16), message), blob)).toBe(true)
          } else if (step === 'batch') {
            const inputs = [message, stepIv]
            cbc.encryptBatch(inputs).forEach((blob, i) => {
              expect(same(nodeDecrypt(key, blob), inputs[i])).toBe(true)
              expect(same(nodeEncrypt(key, blob.subarray(0, 16), inputs[i] as Uint8Array), blob)).toBe(true)
            })
          } else {
            expect(same(cbc.decrypt(nodeEncrypt(key, stepIv, message)), message)).toBe(true)
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('draws a fresh IV per message and Node decrypts the result', () => {
    const key = new Uint8Array(randomBytes(16))
    const cbc = ours(key)
    const ivs = new Set<string>()
    for (let n = 0; n < 200; n++) {
      const message = new Uint8Array(randomBytes(n))
      const blob = cbc.encrypt(message)
      expect(blob.byteLength).toBe(16 + 16 * (Math.floor(n / 16) + 1))
      expect(nodeDecrypt(key, blob)).toEqual(message)
      ivs.add(Buffer.from(blob.subarray(0, 16)).toString('hex'))
    }
    expect(ivs.size).toBe(200)
  })
})

describe('LocalDelegatedKey.encrypt / decrypt called concurrently (as the item encryptor does)', () => {
  it('encrypts random groups of 1..20 plaintexts concurrently; each decrypts with a fresh Node context', async () => {
    await fc.assert(
      fc.asyncProperty(aesKey, fc.array(plaintext, { minLength: 1, maxLength: 20 }), async (key, messages) => {
        const delegated = localKey(key)
        const blobs = await Promise.all(messages.map((message, i) => delegated.encrypt(CBC, `a${i}`, message)))
        for (let i = 0; i < messages.length; i++) {
          const blob = blobs[i] as Uint8Array
          expect(blob.byteLength).toBe(16 + 16 * (Math.floor((messages[i] as Uint8Array).byteLength / 16) + 1))
          expect(nodeDecrypt(key, blob)).toEqual(messages[i])
        }
        // And back through our decryption, concurrently and in reverse order.
        const reversed = [...blobs].reverse()
        const plaintexts = await Promise.all(reversed.map((blob, i) => delegated.decrypt(CBC, `a${i}`, blob)))
        expect(plaintexts.reverse()).toEqual(messages)
      }),
      { numRuns: 150 },
    )
  })

  it('rejects only the failing call of a concurrent group; the others still match Node', async () => {
    const key = new Uint8Array(randomBytes(32))
    const delegated = localKey(key)
    const good = [new Uint8Array(5), new Uint8Array(randomBytes(40)), new Uint8Array(0)]
    const results = await Promise.allSettled([
      delegated.encrypt(CBC, 'a', good[0] as Uint8Array),
      delegated.encrypt(CBC, 'b', 'not bytes' as unknown as Uint8Array),
      delegated.encrypt(CBC, 'c', good[1] as Uint8Array),
      delegated.decrypt(CBC, 'd', new Uint8Array(48)), // all-zero ciphertext: bad padding under this key (or garbage)
      delegated.encrypt(CBC, 'e', good[2] as Uint8Array),
    ])
    expect(results[1]?.status).toBe('rejected')
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(EncryptionError)
    for (const [index, message] of [[0, good[0]], [2, good[1]], [4, good[2]]] as const) {
      const result = results[index] as PromiseFulfilledResult<Uint8Array>
      expect(result.status).toBe('fulfilled')
      expect(nodeDecrypt(key, result.value)).toEqual(message)
    }
    const zeros = nodeDecrypt(key, new Uint8Array(48))
    if (zeros === undefined) expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(DecryptionError)
    else expect((results[3] as PromiseFulfilledResult<Uint8Array>).value).toEqual(zeros)
  })
})

describe('PKCS#7 padding check (FORMAT.md 4.3)', () => {
  const key = new Uint8Array(randomBytes(16))
  const prefix = new Uint8Array(randomBytes(16))

  /** IV ‖ CBC(prefix ‖ last) with `last` the raw final block, no padding added. */
  function withLastBlock(last: Uint8Array): Uint8Array {
    const blocks = new Uint8Array(32)
    blocks.set(prefix, 0)
    blocks.set(last, 16)
    return nodeEncryptRaw(key, new Uint8Array(randomBytes(16)), blocks)
  }

  it('accepts every valid padding 1..16 and returns the unpadded plaintext', () => {
    const cbc = ours(key)
    for (let pad = 1; pad <= 16; pad++) {
      const last = new Uint8Array(randomBytes(16))
      last.fill(pad, 16 - pad)
      const expected = new Uint8Array(32 - pad)
      expected.set(prefix, 0)
      expected.set(last.subarray(0, 16 - pad), 16)
      expect(cbc.decrypt(withLastBlock(last))).toEqual(expected)
    }
  })

  it('refuses a last byte of 0 or 17..255 (no such padding length), like Node', () => {
    const cbc = ours(key)
    for (const lastByte of [0, ...Array.from({ length: 239 }, (_, i) => i + 17)]) {
      const last = new Uint8Array(16).fill(lastByte)
      const blob = withLastBlock(last)
      expect(nodeDecrypt(key, blob)).toBeUndefined()
      const error = caught(() => cbc.decrypt(blob))
      expect(error).toBeInstanceOf(DecryptionError)
      expect((error as Error).message).toBe('Decryption failed')
    }
  })

  it('refuses every padding with any one pad byte changed to any other value, like Node', () => {
    const cbc = ours(key)
    let refused = 0
    let nodeRefused = 0
    for (let pad = 2; pad <= 16; pad++) {
      // Positions 16 - pad .. 14 are the pad bytes before the last one (the last byte defines the length).
      for (let position = 16 - pad; position < 15; position++) {
        for (let value = 0; value < 256; value++) {
          if (value === pad) continue
          const last = new Uint8Array(16).fill(0xa5)
          last.fill(pad, 16 - pad)
          last[position] = value
          const blob = withLastBlock(last)
          if (isDecryptionFailure(() => cbc.decrypt(blob))) refused++
          if (nodeDecrypt(key, blob) === undefined) nodeRefused++
        }
      }
    }
    // sum over pad = 2..16 of (pad - 1) positions × 255 values, every one refused by both
    expect(refused).toBe(120 * 255)
    expect(nodeRefused).toBe(120 * 255)
  })

  it('still decrypts correctly after refusing a bad padding (the chaining state stays right)', () => {
    const cbc = ours(key)
    const message = new Uint8Array(randomBytes(50))
    for (let i = 0; i < 5; i++) {
      expect(() => cbc.decrypt(withLastBlock(new Uint8Array(16)))).toThrow(DecryptionError)
      expect(cbc.decrypt(nodeEncrypt(key, new Uint8Array(randomBytes(16)), message))).toEqual(message)
    }
  })

  it('refuses inputs that are not an IV plus a positive multiple of 16 bytes', () => {
    const cbc = ours(key)
    for (let length = 0; length <= 100; length++) {
      if (length >= 32 && length % 16 === 0) continue
      const error = caught(() => cbc.decrypt(new Uint8Array(length)))
      expect(error).toBeInstanceOf(DecryptionError)
      expect((error as Error).message).toBe('Decryption failed')
    }
    expect(caught(() => cbc.decrypt('x'.repeat(32) as unknown as Uint8Array))).toBeInstanceOf(DecryptionError)
    // The context is still usable.
    const message = new Uint8Array(randomBytes(17))
    expect(cbc.decrypt(nodeEncrypt(key, new Uint8Array(16), message))).toEqual(message)
  })

})

describe('SHA-256 into a buffer (digests read back from a UTF-16LE string)', () => {
  it('writes the same 32 bytes as createHash, at any offset, for inputs of 0..2000 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 0, max: 64 }), (data, offset) => {
        const expected = createHash('sha256').update(data).digest()
        const out = new Uint8Array(offset + 32 + 7).fill(0xee)
        sha256Into(data, out, offset)
        expect(Buffer.from(out.subarray(offset, offset + 32)).equals(expected)).toBe(true)
        // Nothing outside the 32 bytes is touched.
        expect(out.subarray(0, offset).every((b) => b === 0xee) && out.subarray(offset + 32).every((b) => b === 0xee)).toBe(true)
        expect(Buffer.from(sha256(data)).equals(expected)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('reads back every byte value 0..255 exactly (digests containing high bytes and zeros)', () => {
    const seen = new Set<number>()
    for (let i = 0; seen.size < 256 && i < 10_000; i++) {
      const data = Uint8Array.of(i & 0xff, i >> 8)
      const expected = createHash('sha256').update(data).digest()
      const actual = sha256(data)
      if (!Buffer.from(actual).equals(expected)) throw new Error(`digest of input ${i} differs`)
      for (const b of actual) seen.add(b)
    }
    expect(seen.size).toBe(256)
  })
})

describe('hmacSign / hmacVerify (the MAC read back from a string, crypto/hmac.ts) equal createHmac', () => {
  it('signs the bytes of createHmac(...).digest() for every hash, and verifies them (and refuses a one-bit change)', () => {
    fc.assert(
      fc.property(fc.constantFrom('sha1', 'sha224', 'sha256', 'sha384', 'sha512') as fc.Arbitrary<'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512'>,
        fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.uint8Array({ maxLength: 1500 }), fc.nat(),
        (hash, keyBytes, data, bit) => {
          const key = createSecretKey(keyBytes)
          const expected = createHmac(hash, keyBytes).update(data).digest()
          const mac = hmacSign(hash, key, data)
          expect(Buffer.from(mac).equals(expected)).toBe(true)
          expect(hmacVerify(hash, key, mac, data)).toBe(true)
          const bad = mac.slice()
          const at = bit % (bad.length * 8)
          bad[at >> 3] = (bad[at >> 3] as number) ^ (1 << (at & 7))
          expect(hmacVerify(hash, key, bad, data)).toBe(false)
          expect(hmacVerify(hash, key, mac.subarray(0, mac.length - 1), data)).toBe(false)
        }),
      { numRuns: 300 },
    )
  })
})

describe('stringToSign on one reused writer equals the FORMAT.md 3.2 definition', () => {
  const sha = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest()

  it('for random items, actions and both orderings / number rules', () => {
    fc.assert(
      fc.property(
        itemWithActions,
        fc.constantFrom(undefined, { ordering: 'utf16' as const }, { numbers: 'python' as const }),
        ({ item, actions }, options) => {
          const names = Object.keys(item).filter(
            (name) =>
              name !== ReservedAttribute.Signature &&
              name !== ReservedAttribute.MaterialDescription &&
              actions.action(name) !== CryptoAction.DO_NOTHING,
          )
          const byCodePoint = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
          names.sort(options?.ordering === 'utf16' ? (a, b) => (a < b ? -1 : a > b ? 1 : 0) : byCodePoint)
          let serialized: Uint8Array[]
          try {
            serialized = names.map((name) => serializeAttribute(item[name] as AttributeValue, options))
          } catch {
            // e.g. Python number rules refuse more than 38 digits: stringToSign must refuse too.
            expect(() => stringToSign(item, 'Table ä', actions, options)).toThrow()
            return
          }
          const expected = Buffer.concat([
            sha('TABLE>Table ä<TABLE'),
            ...names.flatMap((name, i) => [
              sha(name),
              sha(actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN ? 'ENCRYPTED' : 'PLAINTEXT'),
              sha(serialized[i] as Uint8Array),
            ]),
          ])
          expect(Buffer.from(stringToSign(item, 'Table ä', actions, options)).equals(expected)).toBe(true)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('hashes each value alone when a short value follows a long one', () => {
    const long = { S: 'x'.repeat(3000) }
    const short = { N: '7' }
    const actions = new AttributeActions({ defaultAction: CryptoAction.SIGN_ONLY })
    const sts = stringToSign({ a: long, b: short }, 't', actions)
    expect(Buffer.from(sts.subarray(32 + 96 + 64, 32 + 96 + 96)).equals(sha(serializeAttribute(short)))).toBe(true)
  })
})

describe('stringToSign with per-shape signing plans and reused output equals the FORMAT.md 3.2 definition', () => {
  const sha = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest()
  const byCodePoint = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
  const byUtf16 = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

  /** FORMAT.md 3.2 computed piece by piece, with nothing cached; undefined where a value cannot be serialized. */
  function definition(item: Record<string, AttributeValue>, table: string, actions: AttributeActions, utf16: boolean): Buffer | undefined {
    const names = Object.keys(item).filter((name) => actions.action(name) !== CryptoAction.DO_NOTHING &&
      name !== ReservedAttribute.Signature && name !== ReservedAttribute.MaterialDescription)
    names.sort(utf16 ? byUtf16 : byCodePoint)
    try {
      return Buffer.concat([sha(`TABLE>${table}<TABLE`), ...names.flatMap((name) => [
        sha(name),
        sha(actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN ? 'ENCRYPTED' : 'PLAINTEXT'),
        sha(serializeAttribute(item[name] as AttributeValue, utf16 ? { ordering: 'utf16' } : undefined)),
      ])])
    } catch {
      return undefined
    }
  }

  // A few shapes that repeat (so plans are reused), with the same names in other orders, values changing each time.
  const names = fc.uniqueArray(attributeName, { minLength: 1, maxLength: 6 })
  const step = fc.record({
    shape: fc.nat({ max: 3 }),
    rotate: fc.nat({ max: 5 }),
    values: fc.array(attributeValue, { minLength: 6, maxLength: 6 }),
    actions: fc.nat({ max: 1 }),
    table: fc.constantFrom('t', 'Table ä'),
    utf16: fc.boolean(),
    reuse: fc.boolean(),
    reserved: fc.boolean(),
  })

  it('for runs of items whose shapes repeat, in both orders, with and without reused output, on two tables and two actions', () => {
    fc.assert(
      fc.property(fc.array(names, { minLength: 4, maxLength: 4 }), cryptoAction, cryptoAction, fc.array(step, { minLength: 1, maxLength: 25 }),
        (shapes, defaultA, defaultB, steps) => {
          const overrides = Object.fromEntries((shapes[0] as string[]).slice(0, 2).map((n, i) => [n, i === 0 ? CryptoAction.SIGN_ONLY : CryptoAction.DO_NOTHING]))
          const actionSets = [new AttributeActions({ defaultAction: defaultA }), new AttributeActions({ defaultAction: defaultB, attributeActions: overrides })]
          let previous: { bytes: Uint8Array; copy: Buffer } | undefined
          for (const { shape, rotate, values, actions: which, table, utf16, reuse, reserved } of steps) {
            const shapeNames = shapes[shape] as string[]
            const ordered = [...shapeNames.slice(rotate % shapeNames.length), ...shapeNames.slice(0, rotate % shapeNames.length)]
            const entries: [string, AttributeValue][] = ordered.map((name, i) => [name, values[i] as AttributeValue])
            if (reserved) entries.push([ReservedAttribute.Signature, { B: new Uint8Array(32) }], [ReservedAttribute.MaterialDescription, { B: new Uint8Array(4) }])
            const item = makeItem(entries) as Record<string, AttributeValue>
            const actions = actionSets[which] as AttributeActions
            const expected = definition(item, table, actions, utf16)
            if (expected === undefined) {
              expect(() => stringToSignWithFlags(item, table, actions, utf16 ? SerializeFlag.Utf16Ordering : 0, reuse)).toThrow(SerializationError)
              continue
            }
            const bytes = stringToSignWithFlags(item, table, actions, utf16 ? SerializeFlag.Utf16Ordering : 0, reuse)
            expect(Buffer.from(bytes).equals(expected)).toBe(true)
            // A result not in reused memory stays as it was after later calls.
            if (previous !== undefined) expect(Buffer.from(previous.bytes).equals(previous.copy)).toBe(true)
            previous = reuse ? undefined : { bytes, copy: Buffer.from(bytes) }
          }
        }),
      { numRuns: 300 },
    )
  })

  it('asks a look-alike actions object every time (no plan is kept for it), so changing answers are followed', () => {
    let action: CryptoAction = CryptoAction.SIGN_ONLY
    const lookAlike = { action: () => action } as unknown as AttributeActions
    const item = { a: { S: 'x' }, b: { N: '1' } }
    const real = (a: CryptoAction): Uint8Array => stringToSign(item, 't', new AttributeActions({ defaultAction: a }))
    expect(Buffer.from(stringToSign(item, 't', lookAlike)).equals(Buffer.from(real(CryptoAction.SIGN_ONLY)))).toBe(true)
    action = CryptoAction.ENCRYPT_AND_SIGN
    expect(Buffer.from(stringToSign(item, 't', lookAlike)).equals(Buffer.from(real(CryptoAction.ENCRYPT_AND_SIGN)))).toBe(true)
    action = CryptoAction.DO_NOTHING
    expect(stringToSign(item, 't', lookAlike).length).toBe(32)
  })

  it('keeps refusing a bad table name or attribute name and a missing value after the same shape succeeded', () => {
    const actions = new AttributeActions({ defaultAction: CryptoAction.SIGN_ONLY })
    const good = { a: { S: 'x' }, b: { N: '1' } }
    stringToSign(good, 't', actions)
    expect(() => stringToSign(good, 'bad \uD800', actions)).toThrow('The table name contains a lone UTF-16 surrogate')
    expect(() => stringToSign({ a: { S: 'x' }, b: undefined as unknown as AttributeValue }, 't', actions)).toThrow('Attribute "b" has no value')
    expect(() => stringToSign({ a: { S: 'x' }, 'b\uDC00': { N: '1' } }, 't', actions)).toThrow('An attribute name contains a lone UTF-16 surrogate')
    expect(() => stringToSign({ a: { S: 'x' }, b: { N: 'x' } }, 't', actions)).toThrow(SerializationError)
    expect(Buffer.from(stringToSign(good, 't', actions)).equals(definition(good, 't', actions, false) as Buffer)).toBe(true)
  })
})

describe('stringToSignOfWritten (the encryptor\'s arrays) equals stringToSignWithFlags over the stored item', () => {
  /** What either function throws, or its bytes (copied: the reused output is overwritten by the next call). */
  function result(run: () => Uint8Array): { bytes: Buffer } | { error: string; message: string } {
    try {
      return { bytes: Buffer.from(run()) }
    } catch (error) {
      return { error: (error as Error).constructor.name, message: (error as Error).message }
    }
  }

  it('for random items and actions, ciphertexts of random lengths, both orders, reused output or not, shapes repeating', () => {
    fc.assert(
      fc.property(itemWithActions, fc.array(fc.uint8Array({ maxLength: 80 }), { minLength: 9, maxLength: 9 }),
        fc.boolean(), fc.boolean(), fc.constantFrom('t', 'Table ä'), fc.nat({ max: 2 }),
        ({ item, actions }, ciphertexts, utf16, reuse, table, missing) => {
          const flags = utf16 ? SerializeFlag.Utf16Ordering : 0
          const names = Object.keys(item)
          const values: (AttributeValue | undefined)[] = names.map((name) => item[name])
          // A value left out (undefined) where the item has one: the stored item has no value either.
          if (missing === 1 && names.length > 1) values[names.length - 1] = undefined
          const blobs: (Uint8Array | undefined)[] = names.map((name, i) =>
            actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN ? ciphertexts[i] : undefined)
          const stored = makeItem(names.map((name, i) => {
            const blob = blobs[i]
            return [name, (blob !== undefined ? { B: blob } : values[i]) as AttributeValue] as const
          })) as Record<string, AttributeValue>
          // Twice each, so the second call finds the plan and the key order of the first.
          for (let round = 0; round < 2; round++) {
            const expected = result(() => stringToSignWithFlags(stored, table, actions, flags, false))
            expect(result(() => stringToSignOfWritten(table, actions, flags, names, values, blobs, reuse))).toEqual(expected)
          }
        }),
      { numRuns: 400 },
    )
  })

  it('follows a change of shape (other names, same names in another order) after the key order was remembered', () => {
    const actions = new AttributeActions({ defaultAction: CryptoAction.ENCRYPT_AND_SIGN, attributeActions: { pk: CryptoAction.SIGN_ONLY } })
    const blob = Uint8Array.of(1, 2, 3)
    for (const names of [['pk', 'a', 'b'], ['b', 'pk', 'a'], ['pk', 'a', 'b'], ['a', 'pk'], ['pk', 'a', 'b', 'c']]) {
      const values: AttributeValue[] = names.map((name, i) => ({ S: `${name}${i}` }))
      const blobs = names.map((name) => (name === 'pk' ? undefined : blob))
      const stored = makeItem(names.map((name, i) => [name, blobs[i] !== undefined ? { B: blob } : values[i] as AttributeValue] as const))
      const expected = Buffer.from(stringToSignWithFlags(stored, 't', actions, 0, false))
      expect(Buffer.from(stringToSignOfWritten('t', actions, 0, names, values, blobs, true)).equals(expected)).toBe(true)
    }
  })
})

describe('sortInPlace (insertion sort for small sets and maps) equals Array#sort', () => {
  const strings = fc.array(fc.oneof(text, fc.constantFrom('a', 'b', 'ab', '')), { maxLength: 40 })
  const byteArrays = fc.array(fc.oneof(bytes, fc.constantFrom(Uint8Array.of(0x7f), Uint8Array.of(0x80), Uint8Array.of(0x80, 0))), { maxLength: 40 })

  it('orders random strings (duplicates included, lengths 0..40) by code point and by UTF-16 exactly as Array#sort', () => {
    fc.assert(fc.property(strings, (values) => {
      for (const compare of [compareCodePoint, compareUtf16]) {
        const ours = [...values]
        sortInPlace(ours, compare)
        expect(ours).toEqual([...values].sort(compare))
      }
    }), { numRuns: 1000 })
  })

  it('orders random byte strings (duplicates included, lengths 0..40) as unsigned and as signed bytes exactly as Array#sort', () => {
    fc.assert(fc.property(byteArrays, (values) => {
      for (const compare of [compareBytesUnsigned, compareBytesSigned]) {
        const ours = [...values]
        sortInPlace(ours, compare)
        expect(ours.map((b) => Buffer.from(b).toString('hex'))).toEqual([...values].sort(compare).map((b) => Buffer.from(b).toString('hex')))
      }
    }), { numRuns: 1000 })
  })
})

describe('deserializeAttribute copies B and BS bytes with one slice', () => {
  it('returns plain Uint8Array copies that share no memory with the input, for Uint8Array, view and Buffer inputs', () => {
    fc.assert(fc.property(fc.oneof(bytes.map((B) => ({ B })), fc.uniqueArray(bytes, { minLength: 1, maxLength: 4, selector: (b) => Buffer.from(b).toString('hex') }).map((BS) => ({ BS }))), (value) => {
      const serialized = serializeAttribute(value)
      const padded = new Uint8Array(serialized.length + 8)
      padded.set(serialized, 3)
      for (const input of [serialized.slice(), padded.subarray(3, 3 + serialized.length), Buffer.from(serialized)]) {
        const parsed = deserializeAttribute(input)
        const blobs = 'B' in parsed ? [parsed.B] : (parsed as { BS: Uint8Array[] }).BS
        for (const blob of blobs) {
          expect(Object.getPrototypeOf(blob)).toBe(Uint8Array.prototype)
          expect(blob.byteOffset).toBe(0)
          expect(blob.buffer.byteLength).toBe(blob.byteLength)
        }
        const before = Buffer.from(serializeAttribute(parsed))
        input.fill(0xee)
        expect(Buffer.from(serializeAttribute(parsed)).equals(before)).toBe(true)
        expect(before.equals(Buffer.from(serialized))).toBe(true)
      }
    }), { numRuns: 300 })
  })
})

describe('per-config checks done once (crypto-config.ts) still refuse what the plain checks refuse', () => {
  const aes = LocalDelegatedKey.generate('AES', 128)
  const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
  const provider = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac })
  const item = { pk: { S: 'a' }, sk: { N: '1' }, x: { S: 'secret' } }
  const keyed = (actions: AttributeActions, partitionKeyName?: string, sortKeyName?: string): Parameters<typeof encryptItem>[1] =>
    ({ materialsProvider: provider, attributeActions: actions, encryptionContext: { tableName: 'T', partitionKeyName, sortKeyName } })

  it('refuses an encrypted key attribute right after the same names passed with other actions, and other names after the same actions', async () => {
    const good = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, sk: CryptoAction.SIGN_ONLY } })
    const bad = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY } })
    for (let i = 0; i < 3; i++) {
      await encryptItem(item, keyed(good, 'pk', 'sk'))
      expect((await rejection(encryptItem(item, keyed(bad, 'pk', 'sk')))).message).toBe(
        'Cannot encrypt sort key "sk": key attributes must stay plaintext; call attributeActions.setIndexKeys(...) or give it SIGN_ONLY')
      await encryptItem(item, keyed(good, 'pk', 'sk'))
      expect((await rejection(encryptItem(item, keyed(good, 'pk', 'x')))).code).toBe('ERR_INVALID_ARGUMENT')
      expect((await rejection(decryptItem(item, keyed(good, 'x')))).code).toBe('ERR_INVALID_ARGUMENT')
    }
  })

  it('asks a look-alike actions object every time (its answer is not remembered)', async () => {
    const real = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, sk: CryptoAction.SIGN_ONLY } })
    let calls = 0
    const lookAlike = Object.assign(Object.create({
      action: (name: string) => real.action(name),
      assertKeysNotEncrypted: () => { calls++ },
    }), { takeNoActions: false }) as AttributeActions
    for (let i = 0; i < 3; i++) await encryptItem(item, keyed(lookAlike, 'pk', 'sk'))
    expect(calls).toBe(3)
  })

  it('gives the provider a frozen context with the same keys in the same order as before, for every combination of key names', async () => {
    const actions = new AttributeActions({ defaultAction: CryptoAction.SIGN_ONLY })
    for (const [partitionKeyName, sortKeyName] of [[undefined, undefined], ['pk', undefined], [undefined, 'sk'], ['pk', 'sk']] as const) {
      await encryptItem(item, keyed(actions, partitionKeyName, sortKeyName))
      const context = provider.encryptionContexts.at(-1)
      expect(Object.isFrozen(context)).toBe(true)
      expect(Object.keys(context ?? {})).toEqual([
        'tableName', ...(partitionKeyName !== undefined ? ['partitionKeyName'] : []), ...(sortKeyName !== undefined ? ['sortKeyName'] : []),
        'attributes', 'materialDescription',
      ])
      expect(context).toEqual({ tableName: 'T', ...(partitionKeyName !== undefined ? { partitionKeyName } : {}),
        ...(sortKeyName !== undefined ? { sortKeyName } : {}), attributes: item, materialDescription: {} })
    }
  })
})

describe('encryptItem with per-shape caches (signing plan, portable names) equals the uncached path', () => {
  // A subclass is never cached (only exact AttributeActions are), so it takes the plain path every time.
  class UncachedActions extends AttributeActions {}
  const aes = LocalDelegatedKey.generate('AES', 128)
  const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
  const provider = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac })
  const nonPortable = fc.constantFrom<AttributeValue>(
    { SS: ['\uFF01', '\u{1F600}'] }, { BS: [Uint8Array.of(0x01), Uint8Array.of(0x80)] }, { M: { '\uFF01': { N: '1' }, '\u{1F600}': { N: '2' } } },
  )
  const value = fc.oneof({ weight: 4, arbitrary: attributeValue }, { weight: 1, arbitrary: nonPortable })
  const nameSets = fc.array(fc.uniqueArray(fc.oneof(attributeName, fc.constantFrom('\uFF01', '\u{1F600}')), { minLength: 1, maxLength: 5 }), { minLength: 2, maxLength: 2 })
  type Outcome = { ok: true } | { code: string | undefined; message: string }

  async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
    try {
      await run()
      return { ok: true }
    } catch (error) {
      return { code: (error as { code?: string }).code, message: (error as Error).message }
    }
  }

  it('refuses and accepts the same items with the same errors, for runs of items of two repeating shapes', async () => {
    await fc.assert(fc.asyncProperty(nameSets, fc.constantFrom('portable', 'python', 'java') as fc.Arbitrary<'portable' | 'python' | 'java'>, cryptoAction,
      fc.array(fc.tuple(fc.nat({ max: 1 }), fc.array(value, { minLength: 5, maxLength: 5 })), { minLength: 1, maxLength: 10 }),
      async (shapes, writeMode, defaultAction, steps) => {
        const overrides = { [shapes[0]?.[0] as string]: CryptoAction.SIGN_ONLY }
        const cached = new AttributeActions({ defaultAction, attributeActions: overrides })
        const plain = new UncachedActions({ defaultAction, attributeActions: overrides })
        const config = (actions: AttributeActions): Parameters<typeof encryptItem>[1] =>
          ({ materialsProvider: provider, attributeActions: actions, encryptionContext: { tableName: 'T' }, writeMode })
        for (const [shape, values] of steps) {
          const item = makeItem((shapes[shape] as string[]).map((name, i) => [name, values[i] as AttributeValue] as const))
          let stored: Record<string, AttributeValue> | undefined
          const fast = await outcome(async () => { stored = await encryptItem(item, config(cached)) })
          expect(fast).toEqual(await outcome(() => encryptItem(item, config(plain))))
          // What the cached path wrote verifies and decrypts on the uncached path (same string to sign).
          if (stored !== undefined) expect(await outcome(() => decryptItem(stored as Record<string, AttributeValue>, config(plain)))).toEqual({ ok: true })
        }
      }), { numRuns: 100 })
  })
})

describe('ByteReader.lengthString: short ASCII strings decoded in JS equal the fatal TextDecoder', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const errors: ByteReaderErrors = {
    truncated(length) { throw new Error(`truncated ${length}`) },
    invalidUtf8() { throw new Error('invalid utf-8') },
  }
  const ascii = fc.uint8Array({ maxLength: 24 }).map((b) => b.map((x) => x & 0x7f))
  const content = fc.oneof(ascii, fc.uint8Array({ maxLength: 24 }), fc.string({ maxLength: 12 }).map((t) => new Uint8Array(Buffer.from(t, 'utf8'))))

  it('reads the same text (or the same error) and ends at the same position, for any bytes, lengths around 16 and truncated data', () => {
    fc.assert(fc.property(fc.nat({ max: 7 }), content, fc.integer({ min: -3, max: 3 }), fc.nat({ max: 30 }), fc.nat({ max: 9 }), (prefix, bytes, lengthDelta, cut, before) => {
      const declared = Math.max(0, bytes.length + lengthDelta)
      // The data is a view at `before` bytes into a larger array of other (invalid UTF-8) bytes.
      const backing = new Uint8Array(before + prefix + 4 + bytes.length + 8).fill(0xff)
      const full = backing.subarray(before, before + prefix + 4 + bytes.length)
      new DataView(full.buffer, full.byteOffset).setUint32(prefix, declared)
      full.set(bytes, prefix + 4)
      const data = full.subarray(0, Math.max(0, full.length - (cut % 4 === 0 ? 0 : cut)))
      // Expected: FORMAT.md LV read with the fatal decoder.
      let expected: { text: string; position: number } | { error: string }
      if (prefix + 4 > data.length || declared > data.length - prefix - 4) expected = { error: `truncated ${data.length}` }
      else {
        try {
          expected = { text: fatal.decode(data.subarray(prefix + 4, prefix + 4 + declared)), position: prefix + 4 + declared }
        } catch {
          expected = { error: 'invalid utf-8' }
        }
      }
      const reader = new ByteReader(data, errors, prefix)
      let actual: typeof expected
      try {
        actual = { text: reader.lengthString(), position: reader.position }
      } catch (error) {
        actual = { error: (error as Error).message }
      }
      expect(actual).toEqual(expected)
    }), { numRuns: 3000 })
  })

  it('longer strings (Node\'s lenient decoder, used only when it gives no U+FFFD) read as the fatal decoder reads them', () => {
    const special = fc.constantFrom('\uFFFD', '\uFEFF', '\u{1F600}', 'ü', '\u0000', 'a')
    const valid = fc.array(fc.oneof(fc.string({ maxLength: 40, unit: 'grapheme' }), special), { maxLength: 12 })
      .map((parts) => new Uint8Array(Buffer.from(parts.join(''), 'utf8')))
    // Invalid sequences: lone continuation, overlong, surrogate, beyond U+10FFFF, truncated, and a valid text with one
    // byte changed.
    const broken = fc.constantFrom([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0xe2, 0x82], [0xff])
    const invalid = fc.tuple(valid, broken, valid).map(([a, b, c]) => Uint8Array.from([...a, ...b, ...c]))
    const corrupted = fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([bytes, at, value]) => {
      const copy = bytes.slice()
      if (copy.length > 0) copy[at % copy.length] = value
      return copy
    })
    const content = fc.oneof(valid, invalid, corrupted, fc.uint8Array({ minLength: 17, maxLength: 300 }))
    fc.assert(fc.property(content, fc.nat({ max: 9 }), fc.boolean(), (bytes, before, asBuffer) => {
      const backing = new Uint8Array(before + 4 + bytes.length + 3).fill(0xff)
      const full = backing.subarray(before, before + 4 + bytes.length)
      new DataView(full.buffer, full.byteOffset).setUint32(0, bytes.length)
      full.set(bytes, 4)
      const data = asBuffer ? Buffer.from(full.buffer, full.byteOffset, full.length) : full
      let expected: { text: string } | { error: string }
      try {
        expected = { text: fatal.decode(bytes) }
      } catch {
        expected = { error: 'invalid utf-8' }
      }
      const reader = new ByteReader(data, errors)
      let actual: typeof expected
      try {
        actual = { text: reader.lengthString() }
        expect(reader.position).toBe(4 + bytes.length)
      } catch (error) {
        actual = { error: (error as Error).message }
      }
      expect(actual).toEqual(expected)
    }), { numRuns: 3000 })
  })
})

describe('ByteWriter reuse', () => {
  it('writes u32 big-endian exactly as Buffer#writeUInt32BE, and refuses values above 2^32 - 1', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 20 }), (values) => {
        const writer = new ByteWriter(4)
        const expected = Buffer.alloc(4 * values.length)
        values.forEach((value, i) => {
          writer.u32(value)
          expected.writeUInt32BE(value, 4 * i)
        })
        expect(Buffer.from(writer.view()).equals(expected)).toBe(true)
      }),
      { numRuns: 300 },
    )
    for (const value of [0, 1, 0xff, 0x100, 0xffff, 0x10000, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xffffffff]) {
      const writer = new ByteWriter()
      writer.u32(value)
      const expected = Buffer.alloc(4)
      expected.writeUInt32BE(value)
      expect(Buffer.from(writer.view()).equals(expected)).toBe(true)
    }
    expect(() => new ByteWriter().u32(2 ** 32)).toThrow(SerializationError)
  })


  it('wipes everything written since the last wipe, across resets and growth', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 }), (chunks) => {
        const writer = new ByteWriter(16)
        const backings = new Set<ArrayBufferLike>()
        for (const chunk of chunks) {
          writer.reset()
          const nonZero = chunk.map((b) => b | 1)
          writer.raw(nonZero)
          expect(Buffer.from(writer.view()).equals(Buffer.from(nonZero))).toBe(true)
          // A view's .buffer is the writer's whole backing array (old ones too, after growth).
          backings.add(writer.view().buffer)
        }
        writer.wipe()
        expect(writer.position).toBe(0)
        for (const backing of backings) expect(new Uint8Array(backing).every((b) => b === 0)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('view() (reused views per length) equals a fresh subarray of what was written, across resets, wipes and growth', () => {
    // Non-zero bytes: a view left over from memory dropped on growth would read the zeros it was wiped to.
    const chunk = fc.uint8Array({ minLength: 0, maxLength: 1300 }).map((bytes) => bytes.map((b) => b | 1))
    fc.assert(
      fc.property(fc.array(fc.tuple(chunk, fc.constantFrom('reset', 'wipe', 'append')), { minLength: 1, maxLength: 12 }), (steps) => {
        const writer = new ByteWriter(16)
        let written: number[] = []
        for (const [bytes, step] of steps) {
          if (step === 'reset') writer.reset()
          if (step === 'wipe') writer.wipe()
          if (step !== 'append') written = []
          writer.raw(bytes)
          written.push(...bytes)
          const view = writer.view()
          expect(view.byteOffset).toBe(0)
          expect(view.length).toBe(written.length)
          expect(Buffer.from(view).equals(Buffer.from(written))).toBe(true)
          // The same memory as a plain view of the writer's current array.
          expect(view.buffer).toBe(writer.view().buffer)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('encryptItem: the synchronous LocalDelegatedKey path equals the generic DelegatedKey path', () => {
  const aesBytes = new Uint8Array(randomBytes(16))
  const hmacBytes = new Uint8Array(randomBytes(32))
  const aes = localKey(aesBytes)
  const hmac = LocalDelegatedKey.fromBytes({ key: hmacBytes, algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
  /** Same key behind another prototype: the encryptor must take the generic, promise-based path for it. */
  const wrapped: DelegatedKey = forwardingKey(aes)
  const fast = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac })
  const generic = new TestStaticProvider({ encryptionKey: wrapped, signingKey: hmac })

  it('writes, for random items, B = IV ‖ Node-CBC(serialize(value)) and an HMAC over the FORMAT.md string to sign, both ways', async () => {
    await fc.assert(
      fc.asyncProperty(itemWithActions, async ({ item, actions }) => {
        for (const provider of [fast, generic]) {
          const config = configFor(provider, actions)
          const stored = await encryptItem(item, config)
          for (const name of Object.keys(item)) {
            const original = item[name] as AttributeValue
            if (actions.action(name) !== CryptoAction.ENCRYPT_AND_SIGN) {
              expect(stored[name]).toBe(original)
              continue
            }
            const blob = (stored[name] as { B: Uint8Array }).B
            expect(same(nodeDecrypt(aesBytes, blob), serializeAttribute(original))).toBe(true)
          }
          const signature = (stored[ReservedAttribute.Signature] as { B: Uint8Array }).B
          const expected = createHmac('sha256', hmacBytes).update(stringToSign(stored, 'TestTable', actions)).digest()
          expect(Buffer.from(signature).equals(expected)).toBe(true)
          // Each path reads what the other wrote, to the same values.
          const viaFast = await decryptItem(stored, configFor(fast, actions))
          const viaGeneric = await decryptItem(stored, configFor(generic, actions))
          expect(Object.keys(viaFast)).toEqual(Object.keys(item))
          expect(viaFast).toEqual(viaGeneric)
          for (const name of Object.keys(item)) expect(canonical(viaFast[name] as AttributeValue)).toEqual(canonical(item[name] as AttributeValue))
        }
      }),
      { numRuns: 150 },
    )
  })
})

describe('Batched CBC (one native call for all attributes of an item)', () => {
  it('encryptBatch: random groups of 1..20 plaintexts, each decrypting with a fresh Node context, in separate regions', () => {
    fc.assert(
      fc.property(aesKey, fc.array(plaintext, { minLength: 1, maxLength: 20 }), fc.array(plaintext, { maxLength: 3 }), (key, messages, singles) => {
        const cbc = ours(key)
        for (const single of singles) expect(same(nodeDecrypt(key, cbc.encrypt(single)), single)).toBe(true)
        const blobs = cbc.encryptBatch(messages)
        expect(blobs.length).toBe(messages.length)
        const ivs = new Set<string>()
        for (let i = 0; i < messages.length; i++) {
          const blob = blobs[i] as Uint8Array
          const message = messages[i] as Uint8Array
          expect(blob.byteLength).toBe(16 + 16 * (Math.floor(message.byteLength / 16) + 1))
          // CBC under a given IV is a bijection: Node's padded decryption giving the message back proves the bytes.
          expect(same(nodeDecrypt(key, blob), message)).toBe(true)
          expect(same(nodeEncrypt(key, blob.subarray(0, 16), message), blob)).toBe(true)
          ivs.add(Buffer.from(blob.subarray(0, 16)).toString('hex'))
        }
        expect(ivs.size).toBe(messages.length)
        // Each result is its own region: changing one leaves the others intact.
        const before = blobs.map((b) => b.slice())
        ;(blobs[0] as Uint8Array).fill(0)
        for (let i = 1; i < blobs.length; i++) expect(same(blobs[i], before[i])).toBe(true)
        // The context is still right for a single message afterwards.
        const after = cbc.encrypt(messages[0] as Uint8Array)
        expect(same(after, nodeEncrypt(key, after.subarray(0, 16), messages[0] as Uint8Array))).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  /** `slot ‖ message ‖ cbcPadding(message)` per message, slots filled with `junk` (encryptLaidOut overwrites them). */
  function laidOut(messages: readonly Uint8Array[], junk: number): { input: Uint8Array; segments: number[] } {
    const parts: Uint8Array[] = []
    const segments: number[] = []
    for (const message of messages) {
      const padding = cbcPadding(message.byteLength)
      parts.push(new Uint8Array(16).fill(junk), message, padding)
      segments.push(16 + message.byteLength + padding.byteLength)
    }
    return { input: new Uint8Array(Buffer.concat(parts)), segments }
  }

  it('encryptLaidOut: plaintexts laid out with cbcPadding give what encryptBatch gives (Node CBC under each fresh IV), interleaved on one key', () => {
    fc.assert(
      fc.property(aesKey, fc.array(fc.array(plaintext, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 255 }), (key, groups, junk) => {
        const cbc = ours(key)
        const ivs = new Set<string>()
        let count = 0
        for (const messages of groups) {
          const { input, segments } = laidOut(messages, junk)
          const blobs = cbc.encryptLaidOut(input, segments)
          const batch = cbc.encryptBatch(messages)
          expect(blobs.length).toBe(messages.length)
          for (let i = 0; i < messages.length; i++) {
            const blob = blobs[i] as Uint8Array
            const message = messages[i] as Uint8Array
            expect(blob.byteLength).toBe((batch[i] as Uint8Array).byteLength)
            expect(blob.byteLength).toBe(segments[i])
            expect(same(nodeDecrypt(key, blob), message)).toBe(true)
            expect(same(nodeEncrypt(key, blob.subarray(0, 16), message), blob)).toBe(true)
            expect(same(nodeDecrypt(key, batch[i] as Uint8Array), message)).toBe(true)
            ivs.add(Buffer.from(blob.subarray(0, 16)).toString('hex'))
            count++
          }
        }
        // A fresh random IV per message, never the slot's content.
        expect(ivs.size).toBe(count)
      }),
      { numRuns: 200 },
    )
  })

  it('cbcPadding gives the PKCS#7 padding Node adds, for lengths 0..64', () => {
    const key = new Uint8Array(randomBytes(16))
    const zeroIv = new Uint8Array(16)
    for (let n = 0; n <= 64; n++) {
      const message = new Uint8Array(randomBytes(n))
      const padded = new Uint8Array(Buffer.concat([message, cbcPadding(n)]))
      expect(padded.byteLength % 16).toBe(0)
      expect(same(nodeEncryptRaw(key, zeroIv, padded), nodeEncrypt(key, zeroIv, message))).toBe(true)
    }
  })

  it('encryptLaidOut refuses segments that are not a slot plus whole blocks or do not add up to the input, and the key still works', () => {
    const key = new Uint8Array(randomBytes(16))
    const cbc = ours(key)
    const { input, segments } = laidOut([new Uint8Array(5), new Uint8Array(20)], 7)
    for (const bad of [[16, 48], [32, 47], [32], [32, 48, 32], [0, 80]]) {
      const error = caught(() => cbc.encryptLaidOut(input.slice(), bad))
      expect(error).toBeInstanceOf(EncryptionError)
      expect((error as Error).message).toBe('Encryption failed')
    }
    expect(cbc.encryptLaidOut(new Uint8Array(0), [])).toEqual([])
    const blobs = cbc.encryptLaidOut(input, segments)
    expect(same(nodeDecrypt(key, blobs[1] as Uint8Array), new Uint8Array(20))).toBe(true)
  })

  it('decryptBatch: random mixes of valid, badly padded, garbage and wrongly sized blobs give what createDecipheriv gives, each alone', () => {
    const blobKind = fc.constantFrom('valid', 'valid', 'garbage', 'short', 'odd')
    fc.assert(
      fc.property(aesKey, fc.array(fc.tuple(blobKind, plaintext), { minLength: 1, maxLength: 20 }), (key, specs) => {
        const cbc = ours(key)
        const blobs = specs.map(([kind, message]) => {
          if (kind === 'valid') return nodeEncrypt(key, new Uint8Array(randomBytes(16)), message)
          if (kind === 'garbage') return new Uint8Array(randomBytes(16 * (2 + (message.byteLength % 5))))
          if (kind === 'short') return new Uint8Array(message.byteLength % 32)
          return new Uint8Array(33 + (message.byteLength % 16) * 16)
        })
        let seen: Array<Uint8Array | DecryptionError> = []
        const copies = cbc.decryptBatch(blobs, (plaintexts) => {
          seen = plaintexts
          return plaintexts.map((p) => (p instanceof Uint8Array ? p.slice() : p))
        })
        expect(copies.length).toBe(blobs.length)
        for (let i = 0; i < blobs.length; i++) {
          const expected = nodeDecrypt(key, blobs[i] as Uint8Array)
          const actual = copies[i]
          if (expected === undefined) {
            expect(actual).toBeInstanceOf(DecryptionError)
            expect((actual as Error).message).toBe('Decryption failed')
          } else {
            expect(actual).toBeInstanceOf(Uint8Array)
            expect(same(actual as Uint8Array, expected)).toBe(true)
          }
          if (specs[i]?.[0] === 'valid') expect(same(actual as Uint8Array, specs[i]?.[1])).toBe(true)
        }
        // The temporary plaintexts are wiped once `use` returns.
        for (const p of seen) if (p instanceof Uint8Array) expect(p.every((b) => b === 0)).toBe(true)
        // The inputs are untouched, and single decryption still works on the same context.
        const message = new Uint8Array(randomBytes(21))
        expect(same(cbc.decrypt(nodeEncrypt(key, new Uint8Array(16), message)), message)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('decryptBatch leaves its inputs unchanged and wipes even when `use` throws', () => {
    const key = new Uint8Array(randomBytes(32))
    const cbc = ours(key)
    const blobs = [nodeEncrypt(key, new Uint8Array(16), new Uint8Array(40).fill(9)), nodeEncrypt(key, new Uint8Array(16), new Uint8Array(3).fill(8))]
    const inputs = blobs.map((b) => b.slice())
    let seen: Array<Uint8Array | DecryptionError> = []
    expect(() =>
      cbc.decryptBatch(blobs, (plaintexts) => {
        seen = plaintexts
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(seen.length).toBe(2)
    for (const p of seen) expect((p as Uint8Array).every((b) => b === 0)).toBe(true)
    for (let i = 0; i < blobs.length; i++) expect(same(blobs[i], inputs[i])).toBe(true)
  })
})

describe('decryptItem failures: the batched path reports what the per-attribute path reports', () => {
  const aesBytes = new Uint8Array(randomBytes(16))
  const aes = localKey(aesBytes)
  const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(32)), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
  const wrapped: DelegatedKey = forwardingKey(aes)
  const fast = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac })
  const generic = new TestStaticProvider({ encryptionKey: wrapped, signingKey: hmac })
  const actions = new AttributeActions({ defaultAction: CryptoAction.ENCRYPT_AND_SIGN, attributeActions: { pk: CryptoAction.SIGN_ONLY } })

  /** A stored item whose attributes a..d are replaced as given, re-signed so that verification passes. */
  async function storedWith(replacements: Record<string, AttributeValue>): Promise<import('../../src/attribute-value').Item> {
    const stored = await encryptItem({ pk: { S: 'k' }, a: { S: 'one' }, b: { N: '2' }, c: { L: [] }, d: { BOOL: true } }, configFor(fast, actions))
    return resign({ ...stored, ...replacements }, hmac, actions)
  }

  const garbageBlock = nodeEncrypt(aesBytes, new Uint8Array(16), new Uint8Array(0)).map((b, i) => (i >= 16 ? b ^ 0x55 : b))
  const notSerialized = nodeEncrypt(aesBytes, new Uint8Array(16), Uint8Array.of(0x00, 0x99))

  it.each([
    ['a value that is not B', { c: { S: 'plain' } }],
    ['a blob of a bad length', { b: { B: new Uint8Array(20) } }],
    ['bad padding', { a: { B: garbageBlock } }],
    ['bytes that do not deserialize', { d: { B: notSerialized } }],
    ['bad padding before a value that is not B', { a: { B: garbageBlock }, d: { N: '1' } }],
    ['bad deserialization before bad padding', { a: { B: notSerialized }, c: { B: garbageBlock } }],
  ])('%s', async (_label, replacements) => {
    const item = await storedWith(replacements as Record<string, AttributeValue>)
    const viaFast = await rejection(decryptItem(item, configFor(fast, actions)))
    const viaGeneric = await rejection(decryptItem(item, configFor(generic, actions)))
    expect(viaFast).toBeInstanceOf(DecryptionError)
    expect(viaFast.message).toBe('Decryption failed')
    expect(viaFast.message).toBe(viaGeneric.message)
    const causes = (error: unknown): string[] => {
      const out: string[] = []
      for (let e = error; e instanceof Error; e = (e as { cause?: unknown }).cause) out.push(`${e.constructor.name}: ${e.message}`)
      return out
    }
    expect(causes(viaFast)).toEqual(causes(viaGeneric))
  })
})

describe('normalizeNumber shortcut for text that is already normalized (FORMAT.md 1.3)', () => {
  function outcome(run: () => string): string {
    try {
      return `ok ${run()}`
    } catch (error) {
      return `${(error as Error).constructor.name} ${(error as Error).message}`
    }
  }
  const numberish = fc.string({ unit: fc.constantFrom(...'0123456789.-+eE'.split('')), maxLength: 45 })

  it('gives exactly what the full normalization gives, for number-like text, DynamoDB numbers and edge cases', () => {
    for (const text of [...EDGE_NUMBERS, '0', '-0', '0.0', '-0.5', '0.05', '10', '1.', '.5', '01', '-', '', '1.50', '-12.3400']) {
      expect(outcome(() => normalizeNumber(text))).toBe(outcome(() => normalizeNumberFully(text)))
    }
    fc.assert(
      fc.property(fc.oneof(numberish, numberText, numberText.map((t) => normalizeNumberFully(t))), (text) => {
        expect(outcome(() => normalizeNumber(text))).toBe(outcome(() => normalizeNumberFully(text)))
      }),
      { numRuns: 5000 },
    )
  })
})

describe('decryptItem reuses the parsed description of the previous item only when the bytes are equal', () => {
  it('gives the provider the right description for alternating and changed descriptions, and still refuses malformed ones', async () => {
    const aes = localKey(new Uint8Array(randomBytes(16)))
    const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(32)), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
    const provider = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac, materialDescription: { who: 'first' } })
    const other = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac, materialDescription: { who: 'second' } })
    const actions = new AttributeActions({ defaultAction: CryptoAction.ENCRYPT_AND_SIGN, attributeActions: { pk: CryptoAction.SIGN_ONLY } })
    const first = await encryptItem({ pk: { S: '1' }, a: { S: 'x' } }, configFor(provider, actions))
    const second = await encryptItem({ pk: { S: '2' }, a: { S: 'y' } }, configFor(other, actions))
    for (const [stored, who] of [[first, 'first'], [second, 'second'], [second, 'second'], [first, 'first']] as const) {
      await decryptItem(stored, configFor(provider, actions))
      const seen = provider.decryptionContexts.at(-1)?.materialDescription
      expect(seen?.['who']).toBe(who)
      expect(Object.isFrozen(seen)).toBe(true)
    }
    // The caller changing its bytes in place after a read: the next read sees the new bytes (the description is not
    // signed, FORMAT.md 3.4, so the item still verifies), not the cached parse of the old ones.
    const bytes = (first[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B
    const original = bytes.slice()
    await decryptItem(first, configFor(provider, actions))
    bytes.set(Buffer.from('fires'), Buffer.from(bytes).indexOf('first'))
    await decryptItem(first, configFor(provider, actions))
    expect(provider.decryptionContexts.at(-1)?.materialDescription['who']).toBe('fires')
    bytes.set(original)
    // Malformed bytes are refused every time, also right after a good read.
    await decryptItem(first, configFor(provider, actions))
    const malformed = { ...first, [ReservedAttribute.MaterialDescription]: { B: bytes.subarray(0, bytes.length - 1) } }
    for (let i = 0; i < 2; i++) expect((await rejection(decryptItem(malformed, configFor(provider, actions)))).code).toBe('ERR_INVALID_MATERIAL_DESCRIPTION')
  })
})

describe('signing and verifying synchronously with LocalDelegatedKey equals the promise-based DelegatedKey path', () => {
  it('gives the same HMAC and the same verdicts for random items, with the signing key local or wrapped', async () => {
    const aes = localKey(new Uint8Array(randomBytes(16)))
    const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(32)), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
    const wrappedHmac: DelegatedKey = forwardingKey(hmac)
    const local = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac })
    const generic = new TestStaticProvider({ encryptionKey: aes, signingKey: wrappedHmac })
    await fc.assert(
      fc.asyncProperty(itemWithActions, async ({ item, actions }) => {
        const stored = await encryptItem(item, configFor(local, actions))
        const signature = (stored[ReservedAttribute.Signature] as { B: Uint8Array }).B
        const viaGeneric = await wrappedHmac.sign('HmacSHA256', stringToSign(stored, 'TestTable', actions))
        expect(Buffer.from(signature).equals(Buffer.from(viaGeneric))).toBe(true)
        await decryptItem(stored, configFor(generic, actions))
        await decryptItem(stored, configFor(local, actions))
        // A changed signature is refused the same way on both paths.
        const forged = { ...stored, [ReservedAttribute.Signature]: { B: signature.map((b, i) => (i === 0 ? b ^ 1 : b)) } }
        const a = await rejection(decryptItem(forged, configFor(local, actions)))
        const b = await rejection(decryptItem(forged, configFor(generic, actions)))
        expect([a.code, a.message]).toEqual([b.code, b.message])
        expect(a.code).toBe('ERR_SIGNATURE_VERIFICATION_FAILED')
      }),
      { numRuns: 100 },
    )
  })
})

describe('Material description fast paths (description-cache.ts) equal the plain serializer and parser', () => {
  const aes = LocalDelegatedKey.generate('AES', 128)
  const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
  // Few keys, so consecutive descriptions often share their key set (the fast path) and sometimes do not.
  const keyName = fc.constantFrom('amzn-ddb-env-key', 'amzn-ddb-env-alg', 'amzn-ddb-wrap-alg', 'custom', '__proto__', 'ü', '𝄞', '', 'zz',
    MaterialDescriptionKey.SymmetricMode, MaterialDescriptionKey.SigningAlgorithm)
  const value = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('', 'AES/256', 'é', '𝄞x', 'a'.repeat(300)))
  const description = fc.dictionary(keyName, value, { maxKeys: 6 })
  const base = fc.dictionary(keyName, value, { minKeys: 1, maxKeys: 5 })
  // A run of items: each one reuses a few templates' key sets (in the same order) with fresh values, or is new.
  const sequence = fc.tuple(base, base).chain(([a, b]) => fc.array(fc.oneof(
    fc.tuple(fc.constant(a), fc.array(value, { minLength: 5, maxLength: 5 })).map(([t, vs]) =>
      Object.fromEntries(Object.keys(t).map((k, i) => [k, vs[i] as string]))),
    fc.tuple(fc.constant(b), fc.array(value, { minLength: 5, maxLength: 5 })).map(([t, vs]) =>
      Object.fromEntries(Object.keys(t).map((k, i) => [k, vs[i] as string]))),
    description,
  ), { minLength: 1, maxLength: 12 }))

  function plainBytes(md: Record<string, string>, withKey: boolean): Uint8Array {
    const copy: Record<string, string> = {}
    for (const [k, v] of Object.entries(md)) setOwnForTest(copy, k, v)
    if (withKey) copy[MaterialDescriptionKey.SymmetricMode] = SYMMETRIC_MODE
    copy[MaterialDescriptionKey.SigningAlgorithm] = hmac.algorithm
    return serializeMaterialDescription(copy)
  }

  function setOwnForTest(target: Record<string, string>, key: string, v: string): void {
    Object.defineProperty(target, key, { value: v, enumerable: true, writable: true, configurable: true })
  }

  function materials(md: Record<string, string>, withKey: boolean): EncryptionMaterials {
    const own: Record<string, string> = {}
    for (const [k, v] of Object.entries(md)) setOwnForTest(own, k, v)
    return createEncryptionMaterials({ materialDescription: own, signingKey: hmac, ...(withKey ? { encryptionKey: aes } : {}) })
  }

  it('descriptionBytes writes the plain serializer\'s bytes for runs of new materials per item', () => {
    fc.assert(fc.property(sequence, fc.boolean(), (mds, withKey) => {
      for (const md of mds) {
        // New frozen materials each time: the per-materials cache misses, as with a wrapped provider.
        expect(Buffer.from(descriptionBytes(materials(md, withKey)))).toEqual(Buffer.from(plainBytes(md, withKey)))
      }
    }), { numRuns: 300 })
  })

  it('descriptionBytes gives each item its own copy (slab views): changing one never changes another or the cache', () => {
    fc.assert(fc.property(description, fc.boolean(), fc.integer({ min: 2, max: 120 }), (md, withKey, count) => {
      const frozen = materials(md, withKey) // the same frozen materials for every item: the cached path
      const expected = Buffer.from(plainBytes(md, withKey))
      const copies = Array.from({ length: count }, () => descriptionBytes(frozen))
      for (const copy of copies) expect(Buffer.from(copy).equals(expected)).toBe(true)
      // Scribble over every other copy: the rest, and the next copies, keep the plain bytes.
      copies.forEach((copy, i) => { if (i % 2 === 0) copy.fill(0xa5) })
      copies.forEach((copy, i) => { if (i % 2 === 1) expect(Buffer.from(copy).equals(expected)).toBe(true) })
      expect(Buffer.from(descriptionBytes(frozen)).equals(expected)).toBe(true)
    }), { numRuns: 200 })
  })

  it('descriptionBytes writes the plain serializer\'s bytes when the added entries change from item to item (key or not, signing algorithm)', () => {
    const hmac384 = LocalDelegatedKey.generate('HmacSHA384', 384)
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.nat(2)), { minLength: 1, maxLength: 12 }), sequence, (flags, mds) => {
      for (let i = 0; i < flags.length; i++) {
        const [withKey, other, pick] = flags[i] as [boolean, boolean, number]
        const md = mds[pick % mds.length] as Record<string, string>
        const signingKey = other ? hmac384 : hmac
        const own: Record<string, string> = {}
        for (const [k, v] of Object.entries(md)) setOwnForTest(own, k, v)
        const made = createEncryptionMaterials({ materialDescription: own, signingKey, ...(withKey ? { encryptionKey: aes } : {}) })
        const copy: Record<string, string> = {}
        for (const [k, v] of Object.entries(md)) setOwnForTest(copy, k, v)
        if (withKey) copy[MaterialDescriptionKey.SymmetricMode] = SYMMETRIC_MODE
        copy[MaterialDescriptionKey.SigningAlgorithm] = signingKey.algorithm
        expect(Buffer.from(descriptionBytes(made))).toEqual(Buffer.from(serializeMaterialDescription(copy)))
      }
    }), { numRuns: 300 })
  })

  it('descriptionBytes of per-item materials (adopt ... perItem): the plain bytes, a new array each time, and the materials look the same', () => {
    fc.assert(fc.property(sequence, fc.boolean(), fc.boolean(), (mds, withKey, mixed) => {
      const seen: Uint8Array[] = []
      for (let i = 0; i < mds.length; i++) {
        const md = mds[i] as Record<string, string>
        const own: Record<string, string> = {}
        for (const [k, v] of Object.entries(md)) setOwnForTest(own, k, v)
        const perItem = !mixed || i % 2 === 0
        const made = adoptEncryptionMaterials(own, withKey ? aes : undefined, hmac, perItem)
        // The mark is invisible: the same keys and values as createEncryptionMaterials gives.
        expect(Object.keys(made)).toEqual(Object.keys(materials(md, withKey)))
        expect(made).toEqual(materials(md, withKey))
        expect(Object.isFrozen(made)).toBe(true)
        const expected = Buffer.from(plainBytes(md, withKey))
        const first = descriptionBytes(made)
        const second = descriptionBytes(made)
        expect(Buffer.from(first)).toEqual(expected)
        expect(Buffer.from(second)).toEqual(expected)
        // Each call's bytes are the caller's own: changing them changes no other result.
        first.fill(0xee)
        expect(Buffer.from(second)).toEqual(expected)
        for (const earlier of seen) expect(earlier.every((byte) => byte === 0xee)).toBe(false)
        seen.push(second)
      }
    }), { numRuns: 200 })
  })

  it('descriptionBytes refuses a value with a lone surrogate after a run of good ones, like the plain serializer, and recovers', () => {
    const good = { 'amzn-ddb-env-key': 'AAAA', 'amzn-ddb-env-alg': 'AES/256' }
    descriptionBytes(materials(good, true))
    const bad = { 'amzn-ddb-env-key': 'A\uD800A', 'amzn-ddb-env-alg': 'AES/256' }
    expect(() => plainBytes(bad, true)).toThrow(SerializationError)
    expect(() => descriptionBytes(materials(bad, true))).toThrow(SerializationError)
    const next = { 'amzn-ddb-env-key': 'BBBB', 'amzn-ddb-env-alg': 'AES/256' }
    expect(Buffer.from(descriptionBytes(materials(next, true)))).toEqual(Buffer.from(plainBytes(next, true)))
  })

  type Parsed = { entries: [string, string][] } | { error: string; message: string }
  function outcome(parse: () => Readonly<Record<string, string>>): Parsed {
    try {
      return { entries: Object.entries(parse()) }
    } catch (error) {
      return { error: (error as Error).constructor.name, message: (error as Error).message }
    }
  }

  it('parsedDescription gives the plain parser\'s entries (in order) or its error, for runs of stored descriptions, some damaged', () => {
    const damage = fc.option(fc.tuple(fc.nat(), fc.constantFrom(0x00, 0x01, 0x41, 0x80, 0xc3, 0xff)), { freq: 3 })
    fc.assert(fc.property(fc.array(fc.tuple(sequence, damage), { minLength: 1, maxLength: 4 }), fc.boolean(), (runs, withKey) => {
      for (const [mds, change] of runs) {
        for (const md of mds) {
          const bytes = plainBytes(md, withKey)
          if (change !== null) bytes[change[0] % bytes.length] = change[1]
          const expected = outcome(() => deserializeMaterialDescription(bytes))
          expect(outcome(() => parsedDescription(bytes))).toEqual(expected)
          expect(Array.from(bytes)).toEqual(Array.from(bytes.slice())) // never modified
        }
      }
    }), { numRuns: 300 })
  })

  it('parsedDescription of a wrapped-key change reads the new key, not the last one', () => {
    const first = plainBytes({ 'amzn-ddb-env-key': 'AAAA', 'amzn-ddb-env-alg': 'AES/256' }, true)
    const second = plainBytes({ 'amzn-ddb-env-key': 'BBBB', 'amzn-ddb-env-alg': 'AES/256' }, true)
    expect(parsedDescription(first)['amzn-ddb-env-key']).toBe('AAAA')
    expect(parsedDescription(second)['amzn-ddb-env-key']).toBe('BBBB')
    expect(parsedDescription(first)['amzn-ddb-env-key']).toBe('AAAA')
    // Invalid UTF-8 in the changed key with the same layout: the plain parser's error.
    const broken = second.slice()
    broken[broken.indexOf(0x42)] = 0xff
    expect(outcome(() => parsedDescription(broken))).toEqual(outcome(() => deserializeMaterialDescription(broken)))
    expect(outcome(() => parsedDescription(broken))).toMatchObject({ error: 'InvalidMaterialDescriptionError' })
  })
})

describe('Wrapped content keys: batched AESWrap (wrapNewContentKey) and the persistent unwrap context equal Node\'s id-aes256-wrap', () => {
  const kekBytes = new Uint8Array(randomBytes(32))
  const kek = localKey(kekBytes)
  const hmacBytes = new Uint8Array(randomBytes(32))
  const hmac = LocalDelegatedKey.fromBytes({ key: hmacBytes, algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
  const ENV_KEY = MaterialDescriptionKey.WrappedDataKey
  /** The smallest wrapped provider: a new batched content key per item, unwrapped by the KEK on read. */
  const provider: CryptographicMaterialsProvider = {
    async getEncryptionMaterials(): Promise<EncryptionMaterials> {
      const fresh = wrapNewContentKey(kek, 'AESWrap', 256)
      if (fresh === undefined) throw new Error('the batched path must apply to an AES-256 LocalDelegatedKey')
      return createEncryptionMaterials({ materialDescription: { [ENV_KEY]: Buffer.from(fresh.wrapped).toString('base64') }, encryptionKey: fresh.contentKey, signingKey: hmac })
    },
    async getDecryptionMaterials(context: EncryptionContext): Promise<DecryptionMaterials> {
      const wrapped = new Uint8Array(Buffer.from(context.materialDescription[ENV_KEY] as string, 'base64'))
      const decryptionKey = await kek.unwrap('AESWrap', wrapped, 'AES/256', 'symmetric')
      return createDecryptionMaterials({ materialDescription: context.materialDescription, decryptionKey, verificationKey: hmac })
    },
    async refresh(): Promise<void> {},
  }
  const nodeUnwrap = (wrapped: Uint8Array): Uint8Array => {
    const unwrapper = createDecipheriv('id-aes256-wrap', createSecretKey(kekBytes), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'))
    return new Uint8Array(Buffer.concat([unwrapper.update(wrapped), unwrapper.final()]))
  }

  it('for random items: each env-key unwraps natively to the key whose Node CBC decrypts every attribute; reading back gives the item', async () => {
    const envKeys = new Set<string>()
    await fc.assert(
      fc.asyncProperty(itemWithActions, async ({ item, actions }) => {
        const config = configFor(provider, actions)
        const stored = await encryptItem(item, config)
        const description = deserializeMaterialDescription((stored[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)
        const envKey = description[ENV_KEY] as string
        expect(envKeys.has(envKey)).toBe(false)
        envKeys.add(envKey)
        const contentKey = nodeUnwrap(new Uint8Array(Buffer.from(envKey, 'base64')))
        expect(contentKey.byteLength).toBe(32)
        for (const name of Object.keys(item)) {
          if (actions.action(name) !== CryptoAction.ENCRYPT_AND_SIGN) continue
          const blob = (stored[name] as { B: Uint8Array }).B
          expect(same(nodeDecrypt(contentKey, blob), serializeAttribute(item[name] as AttributeValue))).toBe(true)
        }
        const read = await decryptItem(stored, config)
        for (const name of Object.keys(item)) expect(canonical(read[name] as AttributeValue)).toEqual(canonical(item[name] as AttributeValue))
      }),
      { numRuns: 100 },
    )
  })
})

describe('decryptItem: the one-pass result over a private copy equals the plain construction', () => {
  const aes = LocalDelegatedKey.generate('AES', 128)
  const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
  const writer = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac })
  // The generic (promise-based) path for both keys, and the native one.
  const readers = [writer, new TestStaticProvider({ encryptionKey: forwardingKey(aes), signingKey: forwardingKey(hmac) })]
  const reserved = new Set<string>([ReservedAttribute.Signature, ReservedAttribute.MaterialDescription])

  /** The expected result, built the plain way: the stored attributes in order, reserved ones left out, values as written. */
  function expected(stored: Record<string, AttributeValue>, original: Record<string, AttributeValue>): [string, unknown][] {
    return Object.keys(stored).filter((name) => !reserved.has(name)).map((name) => [name, canonical(original[name] as AttributeValue)])
  }
  function entries(item: Record<string, AttributeValue>): [string, unknown][] {
    return Object.keys(item).map((name) => [name, canonical(Object.getOwnPropertyDescriptor(item, name)?.value as AttributeValue)])
  }

  it('gives the attributes in stored order (reserved ones anywhere, __proto__ included) with the decrypted values, on both key paths', async () => {
    const withProto = fc.option(attributeValue, { nil: undefined })
    await fc.assert(fc.asyncProperty(itemWithActions, withProto, fc.nat({ max: 20 }), fc.nat({ max: 20 }), async ({ item, actions }, proto, at1, at2) => {
      const original = makeItem([...Object.entries(item), ...(proto === undefined ? [] : [['__proto__', proto] as const])])
      const config = (provider: CryptographicMaterialsProvider): Parameters<typeof encryptItem>[1] =>
        ({ materialsProvider: provider, attributeActions: actions, encryptionContext: { tableName: 'T', partitionKeyName: 'pk' }, writeMode: 'python' })
      const encrypted = await encryptItem(original, config(writer))
      // The reserved attributes moved to random places, as an item read back from DynamoDB may have them.
      const names = Object.keys(encrypted).filter((name) => !reserved.has(name))
      names.splice(Math.min(at1, names.length), 0, ReservedAttribute.Signature)
      names.splice(Math.min(at2, names.length), 0, ReservedAttribute.MaterialDescription)
      const stored = makeItem(names.map((name) => [name, Object.getOwnPropertyDescriptor(encrypted, name)?.value as AttributeValue] as const))
      for (const reader of readers) {
        expect(entries(await decryptItem(stored, config(reader)))).toEqual(expected(stored, original))
      }
    }), { numRuns: 100 })
  })

  it('verifies and returns the item as it was when called, even if the provider changes the caller\'s item while the call awaits', async () => {
    const actions = new AttributeActions({ defaultAction: CryptoAction.ENCRYPT_AND_SIGN, attributeActions: { pk: CryptoAction.SIGN_ONLY } })
    const original = { pk: { S: 'p' }, a: { S: 'secret a' }, b: { N: '7' } }
    const stored = await encryptItem(original, { materialsProvider: writer, attributeActions: actions, encryptionContext: { tableName: 'T' } })
    for (const reader of readers) {
      const target: Record<string, AttributeValue> = { ...stored }
      const meddling: CryptographicMaterialsProvider = {
        getEncryptionMaterials: (context) => reader.getEncryptionMaterials(context),
        async getDecryptionMaterials(context) {
          target['a'] = stored['b'] as AttributeValue
          target['c'] = { S: 'added' }
          delete target['pk']
          return reader.getDecryptionMaterials(context)
        },
        refresh: async () => undefined,
      }
      const decrypted = await decryptItem(target, { materialsProvider: meddling, attributeActions: actions, encryptionContext: { tableName: 'T' } })
      expect(entries(decrypted)).toEqual(entries(original))
    }
  })
})

describe('transformationOf (crypto-config.ts) equals the plain concatenation', () => {
  it('gives algorithm + mode for runs of repeating and changing pairs (names split at every place too)', () => {
    const names = fc.constantFrom('AES', 'HmacSHA256', 'RSA', 'A', '')
    const modes = fc.constantFrom(SYMMETRIC_MODE, '/CBC/NoPadding', '/GCM/NoPadding', 'ES/CBC/PKCS5Padding', '')
    fc.assert(fc.property(fc.array(fc.tuple(names, modes)), (pairs) => {
      for (const [algorithm, mode] of pairs) expect(transformationOf(algorithm, mode)).toBe(algorithm + mode)
    }), { numRuns: 200 })
  })
})

describe('decryptItem keeps B values of more than 64 bytes from the batch output instead of copying them', () => {
  const aes = localKey(new Uint8Array(randomBytes(16)))
  const hmac = LocalDelegatedKey.fromBytes({ key: new Uint8Array(randomBytes(32)), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })
  const fast = new TestStaticProvider({ encryptionKey: aes, signingKey: hmac })
  const generic = new TestStaticProvider({ encryptionKey: forwardingKey(aes), signingKey: hmac })
  const actions = new AttributeActions({ defaultAction: CryptoAction.ENCRYPT_AND_SIGN, attributeActions: { pk: CryptoAction.SIGN_ONLY } })
  // Sizes around V8's on-heap limit (64 bytes) and larger; non-zero bytes, so a wiped byte shows.
  const blob = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 60, max: 300 }))
    .chain((length) => fc.uint8Array({ minLength: length, maxLength: length, min: 1 }))
  const value: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      blob.map((B) => ({ B })),
      fc.uniqueArray(blob, { minLength: 1, maxLength: 4, selector: (b) => Buffer.from(b).toString('hex') }).map((BS) => ({ BS })),
      fc.string({ maxLength: 80 }).map((S) => ({ S })),
      fc.array(tie('value'), { maxLength: 3 }).map((L) => ({ L })),
      fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 3, noNullPrototype: true }).map((M) => ({ M })),
    ),
  })).value
  const item = fc.array(value, { minLength: 1, maxLength: 6 })
    .map((values) => makeItem([['pk', { S: 'k' }], ...values.map((v, i) => [`a${i}`, v] as const)]))

  function blobsOf(v: AttributeValue, out: Uint8Array[] = []): Uint8Array[] {
    if ('B' in v) out.push(v.B)
    else if ('BS' in v) out.push(...v.BS)
    else if ('L' in v) for (const e of v.L) blobsOf(e, out)
    else if ('M' in v) for (const e of Object.values(v.M)) blobsOf(e, out)
    return out
  }

  it('gives the plain path\'s item; large values share only their own item\'s buffer, which is zero elsewhere', async () => {
    await fc.assert(fc.asyncProperty(item, async (plain) => {
      const stored = await encryptItem(plain, configFor(fast, actions))
      const storedCopy = Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, 'B' in v ? { B: v.B.slice() } : v]))
      const viaFast = await decryptItem(stored, configFor(fast, actions))
      const again = await decryptItem(stored, configFor(fast, actions))
      const viaGeneric = await decryptItem(stored, configFor(generic, actions))
      expect(viaFast).toEqual(viaGeneric)
      const large: Uint8Array[] = []
      for (const v of Object.values(viaFast)) {
        for (const b of blobsOf(v)) {
          expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype)
          if (b.byteLength <= 64) {
            expect(b.byteOffset).toBe(0)
            expect(b.buffer.byteLength).toBe(b.byteLength)
          } else {
            large.push(b)
          }
        }
      }
      // The generic path (a DelegatedKey of its own) copies every value.
      for (const v of Object.values(viaGeneric)) for (const b of blobsOf(v)) expect(b.buffer.byteLength).toBe(b.byteLength)
      if (large.length > 0) {
        const buffer = large[0]?.buffer as ArrayBuffer
        for (const b of large) expect(b.buffer).toBe(buffer)
        // Outside the kept values, the decrypted output is wiped: nothing else of the plaintext stays in it.
        const mask = new Uint8Array(buffer.byteLength)
        for (const b of large) mask.fill(1, b.byteOffset, b.byteOffset + b.byteLength)
        const all = new Uint8Array(buffer)
        for (let i = 0; i < all.length; i++) if (mask[i] === 0) expect(all[i]).toBe(0)
        // Another decryption of the same item has its own buffer; neither the stored item nor the results changed.
        for (const v of Object.values(again)) for (const b of blobsOf(v)) expect(b.buffer).not.toBe(buffer)
      }
      expect(stored).toEqual(storedCopy)
      for (const b of large) b.fill(0)
      expect(again).toEqual(viaGeneric)
    }), { numRuns: 60 })
  })

  it('keptPlaintext keeps only views of the running batch\'s plaintexts; out of order ranges, nesting and a throwing use', () => {
    const keyBytes = new Uint8Array(randomBytes(16))
    const cbc = ours(keyBytes)
    const messages = [new Uint8Array(100).fill(7), new Uint8Array(90).fill(8), new Uint8Array(30).fill(9)]
    const blobs = messages.map((m) => nodeEncrypt(keyBytes, new Uint8Array(randomBytes(16)), m))
    expect(keptPlaintext(new Uint8Array(100), 0, 80)).toBeUndefined()
    const [first, second, third] = cbc.decryptBatch(blobs, (plaintexts) => {
      const [p0, p1, p2] = plaintexts as Uint8Array[]
      expect(keptPlaintext(new Uint8Array(100), 0, 80)).toBeUndefined()
      // A nested batch keeps its own ranges and leaves ours alone.
      const inner = cbc.decryptBatch([blobs[0] as Uint8Array], (ps) => keptPlaintext(ps[0] as Uint8Array, 10, 70))
      expect(keptPlaintext(inner as Uint8Array, 0, 70)).toBeUndefined()
      expect(same(inner, new Uint8Array(70).fill(7))).toBe(true)
      // Kept out of order: the second message before the first.
      return [keptPlaintext(p1 as Uint8Array, 5, 80), keptPlaintext(p0 as Uint8Array, 0, 100), keptPlaintext(p2 as Uint8Array, 0, 30)]
    })
    expect(same(first, messages[1]?.subarray(5, 85))).toBe(true)
    expect(same(second, messages[0])).toBe(true)
    expect(same(third, messages[2])).toBe(true)
    const all = new Uint8Array((first as Uint8Array).buffer)
    expect(all.filter((b) => b !== 0).length).toBe(80 + 100 + 30)
    // If `use` throws, nothing is kept.
    let thrown: Uint8Array | undefined
    expect(() => cbc.decryptBatch(blobs, (plaintexts) => {
      thrown = keptPlaintext(plaintexts[0] as Uint8Array, 0, 100)
      throw new Error('boom')
    })).toThrow('boom')
    expect(thrown?.byteLength).toBe(100)
    expect(new Uint8Array((thrown as Uint8Array).buffer).every((b) => b === 0)).toBe(true)
    expect(keptPlaintext(thrown as Uint8Array, 0, 10)).toBeUndefined()
  })

  it('decryptBatch reads blobs given as Buffers and as views at any offset like fresh arrays, and wipes all it does not keep', () => {
    fc.assert(fc.property(aesKey, fc.array(fc.tuple(plaintext, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }), (key, specs) => {
      const cbc = ours(key)
      const fresh = specs.map(([message]) => nodeEncrypt(key, new Uint8Array(randomBytes(16)), message))
      const given = fresh.map((blob, i) => {
        const [, kind, shift] = specs[i] as [Uint8Array, number, number]
        if (kind === 0) return blob
        if (kind === 1) return Buffer.from(blob)
        const bigger = new Uint8Array(blob.length + shift + 3).fill(0xaa)
        bigger.set(blob, shift)
        return bigger.subarray(shift, shift + blob.length)
      })
      let seen: Uint8Array | undefined
      const copies = cbc.decryptBatch(given, (plaintexts) => {
        seen = new Uint8Array((plaintexts[0] as Uint8Array).buffer)
        return plaintexts.map((p) => (p as Uint8Array).slice())
      })
      const plain = cbc.decryptBatch(fresh, (plaintexts) => plaintexts.map((p) => (p as Uint8Array).slice()))
      for (let i = 0; i < specs.length; i++) {
        expect(same(copies[i], specs[i]?.[0])).toBe(true)
        expect(same(plain[i], specs[i]?.[0])).toBe(true)
      }
      expect(seen?.every((b) => b === 0)).toBe(true)
    }), { numRuns: 200 })
  })

  it('deserializeDecrypted outside a batch is deserializeAttribute: equal values, every B an own copy', () => {
    fc.assert(fc.property(value, (v) => {
      const serialized = serializeAttribute(v)
      const parsed = deserializeDecrypted(serialized)
      expect(parsed).toEqual(deserializeAttribute(serialized))
      for (const b of blobsOf(parsed)) {
        expect(b.byteOffset).toBe(0)
        expect(b.buffer.byteLength).toBe(b.byteLength)
      }
    }), { numRuns: 200 })
  })
})

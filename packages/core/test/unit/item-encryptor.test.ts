import { generateKeyPairSync } from 'node:crypto'
import {
  AttributeActions,
  CryptoAction,
  DecryptionError,
  decryptItem,
  EncryptionError,
  encryptItem,
  InvalidArgumentError,
  InvalidMaterialDescriptionError,
  LocalDelegatedKey,
  MaterialDescriptionKey,
  ReservedAttribute,
  serializeAttribute,
  SignatureVerificationError,
  PythonRoundedNumbersError,
  stringToSign,
  SYMMETRIC_MODE,
  type CryptographicMaterialsProvider,
  type DelegatedKey,
  type EncryptionMaterials,
  type Item,
} from '../../src/index'
import { aesHmacProvider, deepCopy, deepFreeze, descriptionOf, storedBody, TestStaticProvider, withDescription } from '@ddb-encryption/testing'
import { configFor, rejection, resign, TABLE } from '../support/helpers'

const SIG = ReservedAttribute.Signature
const DESC = ReservedAttribute.MaterialDescription
const SYM = MaterialDescriptionKey.SymmetricMode
const ALG = MaterialDescriptionKey.SigningAlgorithm

const actions = new AttributeActions({
  defaultAction: CryptoAction.ENCRYPT_AND_SIGN,
  attributeActions: { pk: CryptoAction.SIGN_ONLY, signed: CryptoAction.SIGN_ONLY, ignored: CryptoAction.DO_NOTHING },
})

function sampleItem(): Item {
  return {
    pk: { S: 'user#1' },
    secret: { S: 'hunter2' },
    count: { N: '55.00' },
    tags: { SS: ['b', 'a'] },
    nested: { M: { list: { L: [{ NULL: true }, { BOOL: false }, { B: Uint8Array.of(1, 2, 3) }] } } },
    signed: { N: '7' },
    ignored: { S: 'anything' },
  }
}

describe('encryptItem', () => {
  it('encrypts ENCRYPT_AND_SIGN attributes into B values and leaves the others as they are', async () => {
    const provider = aesHmacProvider()
    const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
    for (const name of ['secret', 'count', 'tags', 'nested']) {
      const value = encrypted[name] as { B: Uint8Array }
      expect(value.B).toBeInstanceOf(Uint8Array)
      // IV (16) + whole AES blocks covering the PKCS#7-padded serialization (FORMAT.md 4.2).
      const plainLength = serializeAttribute(sampleItem()[name]!).length
      expect(value.B.length).toBe(16 + 16 * (Math.floor(plainLength / 16) + 1))
    }
    expect(encrypted.pk).toEqual({ S: 'user#1' })
    expect(encrypted.signed).toEqual({ N: '7' })
    expect(encrypted.ignored).toEqual({ S: 'anything' })
    expect(Object.keys(encrypted)).toEqual(['pk', 'secret', 'count', 'tags', 'nested', 'signed', 'ignored', SIG, DESC])
  })

  it('uses a fresh IV for every attribute and every call', async () => {
    const provider = aesHmacProvider()
    const item = { pk: { S: 'k' }, a: { S: 'same' }, b: { S: 'same' } }
    const one = await encryptItem(item, configFor(provider))
    const two = await encryptItem(item, configFor(provider))
    const ivs = [one.a, one.b, two.a, two.b].map((v) => Buffer.from((v as { B: Uint8Array }).B.subarray(0, 16)).toString('hex'))
    expect(new Set(ivs).size).toBe(4)
  })

  it('writes the provider description plus sym-mode and signingAlg, sorted', async () => {
    const provider = aesHmacProvider({ materialDescription: { 'user-entry': 'x', [SYM]: 'ignored' } })
    const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
    expect(descriptionOf(encrypted)).toEqual({ 'user-entry': 'x', [SYM]: SYMMETRIC_MODE, [ALG]: 'HmacSHA256' })
  })

  it('signs the string to sign of the stored item with the signing key', async () => {
    const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
    const provider = aesHmacProvider({ signingKey })
    const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
    const signature = (encrypted[SIG] as { B: Uint8Array }).B
    expect(await signingKey.verify('HmacSHA256', signature, stringToSign(storedBody(encrypted), TABLE, actions))).toBe(true)
    expect(await signingKey.verify('HmacSHA256', signature, stringToSign(storedBody(encrypted), 'OtherTable', actions))).toBe(false)
  })

  it('returns a shallow copy and adds nothing when every action is DO_NOTHING', async () => {
    const provider = aesHmacProvider()
    const item = sampleItem()
    const config = configFor(provider, new AttributeActions({ defaultAction: CryptoAction.DO_NOTHING }))
    const encrypted = await encryptItem(item, config)
    expect(encrypted).not.toBe(item)
    expect(encrypted).toEqual(item)
    expect(provider.encryptionContexts).toHaveLength(0)
    const decrypted = await decryptItem(encrypted, config)
    expect(decrypted).not.toBe(encrypted)
    expect(decrypted).toEqual(item)
  })

  it.each([SIG, DESC])('refuses an item that already holds the reserved attribute %s', async (reserved) => {
    const error = await rejection(encryptItem({ ...sampleItem(), [reserved]: { B: Uint8Array.of(1) } }, configFor(aesHmacProvider(), actions)))
    expect(error).toBeInstanceOf(EncryptionError)
    expect(error.code).toBe('ERR_ENCRYPTION_FAILED')
    expect(error.message).toContain(reserved)
  })

  it.each([undefined, ''])('refuses a missing table name (%p)', async (tableName) => {
    const config = configFor(aesHmacProvider(), actions, { tableName: tableName as string })
    for (const operation of [encryptItem, decryptItem]) {
      const error = await rejection(operation(sampleItem(), config))
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(error.code).toBe('ERR_INVALID_ARGUMENT')
      expect(error.message).toBe('tableName is missing; pass it in encryptionContext or use EncryptedTable')
    }
  })

  it('refuses to encrypt a partition or sort key named in the context', async () => {
    const provider = aesHmacProvider()
    const all = new AttributeActions()
    let error = await rejection(encryptItem(sampleItem(), configFor(provider, all)))
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error.message).toContain('"pk"')
    error = await rejection(encryptItem(sampleItem(), configFor(provider, actions, { sortKeyName: 'sk' })))
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error.message).toContain('sort key "sk"')
    expect(provider.encryptionContexts).toHaveLength(0)
  })

  it('passes a frozen context with the plaintext item and an empty description to the provider', async () => {
    const provider = aesHmacProvider()
    const item = sampleItem()
    await encryptItem(item, configFor(provider, actions, { sortKeyName: 'signed' }))
    const [context] = provider.encryptionContexts
    expect(Object.isFrozen(context)).toBe(true)
    expect(context).toEqual({ tableName: TABLE, partitionKeyName: 'pk', sortKeyName: 'signed', attributes: item, materialDescription: {} })
    expect(context!.attributes).toBe(item)
  })

  it('refuses to encrypt when an attribute must be encrypted and the materials have no encryption key', async () => {
    const provider = new TestStaticProvider({ signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const error = await rejection(encryptItem(sampleItem(), configFor(provider, actions)))
    expect(error).toBeInstanceOf(EncryptionError)
    expect(error.message).toContain('no encryption key is available')
  })

  it('signs without an encryption key when nothing is encrypted, and then writes no sym-mode', async () => {
    const provider = new TestStaticProvider({ signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
    const signOnly = new AttributeActions({ defaultAction: CryptoAction.SIGN_ONLY })
    const item = { pk: { S: 'k' }, value: { N: '1' } }
    const encrypted = await encryptItem(item, configFor(provider, signOnly))
    expect(descriptionOf(encrypted)).toEqual({ [ALG]: 'HmacSHA256' })
    expect(await decryptItem(encrypted, configFor(provider, signOnly))).toEqual(item)
  })

  it('refuses materials without a signing key', async () => {
    const provider: CryptographicMaterialsProvider = {
      getEncryptionMaterials: async () => ({ materialDescription: {} }) as unknown as EncryptionMaterials,
      getDecryptionMaterials: async () => { throw new Error('unused') },
      refresh: async () => {},
    }
    const error = await rejection(encryptItem(sampleItem(), configFor(provider, actions)))
    expect(error).toBeInstanceOf(EncryptionError)
    expect(error.message).toContain('without a signing key')
  })

  it('rejects and leaves the input untouched when one attribute fails to encrypt', async () => {
    const real = LocalDelegatedKey.generate('AES', 128)
    let calls = 0
    const failing: DelegatedKey = {
      algorithm: real.algorithm,
      allowedForRawMaterials: true,
      encrypt: async (t, n, p) => { if (++calls === 2) throw new Error('HSM unavailable'); return real.encrypt(t, n, p) },
      decrypt: (t, n, c) => real.decrypt(t, n, c),
      wrap: (t, k) => real.wrap(t, k),
      unwrap: (t, w, a, k) => real.unwrap(t, w, a, k),
      sign: (a, d) => real.sign(a, d),
      verify: (a, s, d) => real.verify(a, s, d),
    }
    const item = deepFreeze(sampleItem())
    const before = deepCopy(item)
    const error = await rejection(encryptItem(item, configFor(aesHmacProvider({ encryptionKey: failing }), actions)))
    expect(error).toBeInstanceOf(EncryptionError)
    expect(error.message).toMatch(/^Failed to encrypt attribute "/)
    expect((error.cause as Error).message).toBe('HSM unavailable')
    expect(item).toEqual(before)
  })

  it('never mutates deep-frozen inputs', async () => {
    const provider = aesHmacProvider()
    const item = deepFreeze(sampleItem())
    const before = deepCopy(item)
    // Everything but the provider (which records the contexts it is given) is frozen.
    const base = configFor(provider, actions, { sortKeyName: 'signed' })
    const config = Object.freeze({ ...base, encryptionContext: Object.freeze({ ...base.encryptionContext }) })
    const encrypted = deepFreeze(await encryptItem(item, config))
    const storedBefore = deepCopy(encrypted)
    const decrypted = await decryptItem(encrypted, config)
    expect(item).toEqual(before)
    expect(encrypted).toEqual(storedBefore)
    expect(decrypted).not.toBe(item)
  })

  it('keeps an attribute named __proto__ as a real attribute', async () => {
    const provider = aesHmacProvider()
    const item: Record<string, unknown> = { pk: { S: 'k' } }
    Object.defineProperty(item, '__proto__', { value: { S: 'proto' }, enumerable: true, writable: true, configurable: true })
    const encrypted = await encryptItem(item as Item, configFor(provider))
    expect(Object.keys(encrypted)).toContain('__proto__')
    expect(Object.getPrototypeOf(encrypted)).toBe(Object.prototype)
    const decrypted = await decryptItem(encrypted, configFor(provider))
    expect(Object.getOwnPropertyDescriptor(decrypted, '__proto__')?.value).toEqual({ S: 'proto' })
  })
})

describe('decryptItem', () => {
  it('round-trips an item and removes the reserved attributes', async () => {
    const provider = aesHmacProvider()
    const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
    const decrypted = await decryptItem(encrypted, configFor(provider, actions))
    // Numbers come back normalized and sets sorted (FORMAT.md 1.3, 1.4); sign-only values are returned as stored.
    expect(decrypted).toEqual({ ...sampleItem(), count: { N: '55' }, tags: { SS: ['a', 'b'] } })
  })

  it('passes the stored item and its parsed description to the provider', async () => {
    const provider = aesHmacProvider({ materialDescription: { entry: 'v' } })
    const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
    await decryptItem(encrypted, configFor(provider, actions, { sortKeyName: 'signed' }))
    const [context] = provider.decryptionContexts
    expect(Object.isFrozen(context)).toBe(true)
    expect(context!.attributes).toBe(encrypted)
    expect(context!.materialDescription).toEqual({ entry: 'v', [SYM]: SYMMETRIC_MODE, [ALG]: 'HmacSHA256' })
    expect(context!.tableName).toBe(TABLE)
    expect(context!.sortKeyName).toBe('signed')
  })

  it('refuses an item without a signature', async () => {
    const provider = aesHmacProvider()
    const { [SIG]: _signature, ...unsigned } = await encryptItem(sampleItem(), configFor(provider, actions))
    const error = await rejection(decryptItem(unsigned, configFor(provider, actions)))
    expect(error).toBeInstanceOf(DecryptionError)
    expect(error.code).toBe('ERR_DECRYPTION_FAILED')
    expect(error.message).toBe('No signature attribute found in item')
  })

  it('reads an item without a description attribute as an empty description', async () => {
    const provider = aesHmacProvider()
    const signOnly = new AttributeActions({ defaultAction: CryptoAction.SIGN_ONLY })
    const { [DESC]: _desc, ...javaStyle } = await encryptItem({ pk: { S: 'k' }, n: { N: '1' } }, configFor(provider, signOnly))
    expect(await decryptItem(javaStyle, configFor(provider, signOnly))).toEqual({ pk: { S: 'k' }, n: { N: '1' } })
    expect(provider.decryptionContexts[0]!.materialDescription).toEqual({})
  })

  it('refuses a description attribute that is not binary', async () => {
    const provider = aesHmacProvider()
    const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
    const error = await rejection(decryptItem({ ...encrypted, [DESC]: { S: 'x' } }, configFor(provider, actions)))
    expect(error).toBeInstanceOf(InvalidMaterialDescriptionError)
  })

  it('rejects a signature made with another key', async () => {
    const encrypted = await encryptItem(sampleItem(), configFor(aesHmacProvider(), actions))
    const error = await rejection(decryptItem(encrypted, configFor(aesHmacProvider(), actions)))
    expect(error).toBeInstanceOf(SignatureVerificationError)
    expect(error.code).toBe('ERR_SIGNATURE_VERIFICATION_FAILED')
    expect(error.message).toBe('Unable to verify signature')
  })

  it('rejects an item read with other actions', async () => {
    const provider = aesHmacProvider()
    const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
    const reader = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, signed: CryptoAction.SIGN_ONLY } })
    const error = await rejection(decryptItem(encrypted, configFor(provider, reader)))
    expect(error).toBeInstanceOf(SignatureVerificationError)
  })

  it('rejects an HMAC-signed item whose description names another signing algorithm', async () => {
    const provider = aesHmacProvider()
    const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
    for (const other of ['HmacSHA512', 'SHA256withRSA', '']) {
      const tampered = withDescription(encrypted, { ...descriptionOf(encrypted), [ALG]: other })
      const error = await rejection(decryptItem(tampered, configFor(provider, actions)))
      expect(error).toBeInstanceOf(SignatureVerificationError)
      expect(error.message).toBe('Unable to verify signature')
    }
    // Without the entry (Java never writes it for HMAC keys) the key's own algorithm is used.
    const { [ALG]: _alg, ...withoutAlg } = descriptionOf(encrypted)
    await expect(decryptItem(withDescription(encrypted, withoutAlg), configFor(provider, actions))).resolves.toBeDefined()
  })

  describe('RSA signatures (Java behaviour)', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const sha256Key = LocalDelegatedKey.fromKeyObject(privateKey, 'SHA256withRSA')
    const sha512Key = LocalDelegatedKey.fromKeyObject(privateKey, 'SHA512withRSA')
    const aes = LocalDelegatedKey.generate('AES', 128)

    it('verifies with the signing algorithm recorded in the description', async () => {
      const writer = new TestStaticProvider({ encryptionKey: aes, signingKey: sha512Key })
      const encrypted = await encryptItem(sampleItem(), configFor(writer, actions))
      expect(descriptionOf(encrypted)[ALG]).toBe('SHA512withRSA')
      const reader = new TestStaticProvider({ encryptionKey: aes, signingKey: sha256Key })
      expect((await decryptItem(encrypted, configFor(reader, actions))).secret).toEqual({ S: 'hunter2' })
    })

    it('rejects a recorded name that is not a SHA*withRSA name', async () => {
      const provider = new TestStaticProvider({ encryptionKey: aes, signingKey: sha256Key })
      const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
      const reader = provider
      for (const name of ['MD5withRSA', 'HmacSHA256', 'SHA1withRSA', 'sha256withrsa', '']) {
        const tampered = withDescription(encrypted, { ...descriptionOf(encrypted), [ALG]: name })
        const error = await rejection(decryptItem(tampered, configFor(reader, actions)))
        expect(error).toBeInstanceOf(SignatureVerificationError)
      }
    })

    it('rejects an item whose recorded RSA algorithm was changed', async () => {
      const provider = new TestStaticProvider({ encryptionKey: aes, signingKey: sha256Key })
      const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
      const tampered = withDescription(encrypted, { ...descriptionOf(encrypted), [ALG]: 'SHA384withRSA' })
      const error = await rejection(decryptItem(tampered, configFor(provider, actions)))
      expect(error).toBeInstanceOf(SignatureVerificationError)
    })

    it("uses the key's own algorithm when the description has no entry (Java HMAC-era items)", async () => {
      const provider = new TestStaticProvider({ encryptionKey: aes, signingKey: sha256Key })
      const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
      const { [ALG]: _alg, ...md } = descriptionOf(encrypted)
      expect((await decryptItem(withDescription(encrypted, md), configFor(provider, actions))).secret).toEqual({ S: 'hunter2' })
    })
  })

  describe('interop fallback (FORMAT.md 11)', () => {
    const signOnly = new AttributeActions({ defaultAction: CryptoAction.SIGN_ONLY })

    it('accepts a binary set signed in Java order (signed bytes)', async () => {
      const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
      const provider = aesHmacProvider({ signingKey })
      const item = { pk: { S: 'k' }, bs: { BS: [Uint8Array.of(0x01), Uint8Array.of(0x80)] } }
      const ours = await encryptItem(item, configFor(provider, signOnly))
      const java = stringToSign(storedBody(ours), TABLE, signOnly, { ordering: 'utf16' })
      // The test is meaningful only if Java's bytes differ from ours.
      expect(Buffer.from(java).equals(Buffer.from(stringToSign(storedBody(ours), TABLE, signOnly)))).toBe(false)
      const javaSigned = await resign(ours, signingKey, signOnly, { ordering: 'utf16' })
      expect(await decryptItem(javaSigned, configFor(provider, signOnly))).toEqual(item)
    })

    it('rejects by default a 30-digit number signed with Python rounding, with an error naming acceptPythonRoundedNumbers; accepts it with the option', async () => {
      const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
      const provider = aesHmacProvider({ signingKey })
      const item = { pk: { S: 'k' }, big: { N: '123456789012345678901234567891' } }
      const ours = await encryptItem(item, configFor(provider, signOnly))
      const python = stringToSign(storedBody(ours), TABLE, signOnly, { numbers: 'python' })
      expect(Buffer.from(python).equals(Buffer.from(stringToSign(storedBody(ours), TABLE, signOnly)))).toBe(false)
      const pythonSigned = await resign(ours, signingKey, signOnly, { numbers: 'python' })
      const error = await rejection(decryptItem(pythonSigned, configFor(provider, signOnly)))
      expect(error).toBeInstanceOf(PythonRoundedNumbersError)
      expect(error).toBeInstanceOf(SignatureVerificationError)
      expect(error.code).toBe('ERR_PYTHON_ROUNDED_NUMBERS')
      expect(error.message).toContain('acceptPythonRoundedNumbers: true')
      const accepting = configFor(provider, signOnly, {}, { acceptPythonRoundedNumbers: true })
      expect(await decryptItem(pythonSigned, accepting)).toEqual(item)
    })

    it('rejects by default a -0 signed as Python signs it ("-0"), naming the option; accepts it with the option', async () => {
      const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
      const provider = aesHmacProvider({ signingKey })
      const item = { pk: { S: 'k' }, z: { N: '-0' }, zs: { NS: ['-0.0', '5'] } }
      const ours = await encryptItem(item, configFor(provider, signOnly))
      const pythonSigned = await resign(ours, signingKey, signOnly, { numbers: 'python' })
      const error = await rejection(decryptItem(pythonSigned, configFor(provider, signOnly)))
      expect(error.code).toBe('ERR_PYTHON_ROUNDED_NUMBERS')
      expect(error.message).toContain('acceptPythonRoundedNumbers')
      expect(await decryptItem(pythonSigned, configFor(provider, signOnly, {}, { acceptPythonRoundedNumbers: true }))).toEqual(item)
    })

    it('rejects a sort key number changed past its 28th significant digit (the item moved to another key)', async () => {
      const provider = aesHmacProvider()
      const keys = new AttributeActions({ attributeActions: { pk: CryptoAction.SIGN_ONLY, sk: CryptoAction.SIGN_ONLY } })
      const stored = await encryptItem({ pk: { S: 'k' }, sk: { N: '1' }, secret: { S: 's' } }, configFor(provider, keys, { sortKeyName: 'sk' }))
      const moved = { ...stored, sk: { N: '1.0000000000000000000000000001' } }
      const error = await rejection(decryptItem(moved, configFor(provider, keys, { sortKeyName: 'sk' })))
      expect(error).toBeInstanceOf(SignatureVerificationError)
      expect(error.code).toBe('ERR_PYTHON_ROUNDED_NUMBERS')
      // With the option the item does verify: numbers are then authenticated to 28 significant digits only.
      const lenient = configFor(provider, keys, { sortKeyName: 'sk' }, { acceptPythonRoundedNumbers: true })
      expect((await decryptItem(moved, lenient)).sk).toEqual({ N: '1.0000000000000000000000000001' })
    })

    it('refuses UTF-16 order combined with Python numbers, which no reference client writes', async () => {
      const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
      const provider = aesHmacProvider({ signingKey })
      const item = { pk: { S: 'k' }, bs: { BS: [Uint8Array.of(0x01), Uint8Array.of(0x80)] }, big: { N: '-0' } }
      const ours = await encryptItem(item, configFor(provider, signOnly))
      const both = await resign(ours, signingKey, signOnly, { ordering: 'utf16', numbers: 'python' })
      const options = { acceptPythonRoundedNumbers: true }
      expect(await rejection(decryptItem(both, configFor(provider, signOnly, {}, options)))).toBeInstanceOf(SignatureVerificationError)
    })

    it('still rejects a wrong signature when alternative strings to sign exist', async () => {
      const provider = aesHmacProvider()
      const item = { pk: { S: 'k' }, bs: { BS: [Uint8Array.of(0x01), Uint8Array.of(0x80)] }, big: { N: '123456789012345678901234567891' } }
      const ours = await encryptItem(item, configFor(provider, signOnly))
      const forged = await resign(ours, LocalDelegatedKey.generate('HmacSHA256', 256), signOnly, { ordering: 'utf16', numbers: 'python' })
      const error = await rejection(decryptItem(forged, configFor(provider, signOnly)))
      expect(error).toBeInstanceOf(SignatureVerificationError)
    })
  })

  describe('after verification', () => {
    it('refuses to decrypt without a decryption key', async () => {
      const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
      const encrypted = await encryptItem(sampleItem(), configFor(aesHmacProvider({ signingKey }), actions))
      const verifyOnly = new TestStaticProvider({ signingKey })
      const error = await rejection(decryptItem(encrypted, configFor(verifyOnly, actions)))
      expect(error).toBeInstanceOf(DecryptionError)
      expect(error.message).toContain('no decryption key is available')
    })

    it('refuses a description without sym-mode when something must be decrypted', async () => {
      const provider = aesHmacProvider()
      const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
      const { [SYM]: _mode, ...md } = descriptionOf(encrypted)
      const error = await rejection(decryptItem(withDescription(encrypted, md), configFor(provider, actions)))
      expect(error).toBeInstanceOf(DecryptionError)
      expect(error.message).toBe(`The item's material description lacks "${SYM}", so its attributes cannot be decrypted`)
    })

    it.each(['/ECB/PKCS5Padding', '/CTR/NoPadding', '/CBC/NoPadding', ''])('refuses the symmetric mode %p', async (mode) => {
      const provider = aesHmacProvider()
      const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
      const error = await rejection(decryptItem(withDescription(encrypted, { ...descriptionOf(encrypted), [SYM]: mode }), configFor(provider, actions)))
      expect(error).toBeInstanceOf(DecryptionError)
      expect(error.message).toBe('Decryption failed')
    })

    it('refuses an encrypted attribute that is not a B value, even when correctly signed', async () => {
      const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
      const provider = aesHmacProvider({ signingKey })
      const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
      const resigned = await resign({ ...encrypted, secret: { S: 'not encrypted' } }, signingKey, actions)
      const error = await rejection(decryptItem(resigned, configFor(provider, actions)))
      expect(error).toBeInstanceOf(DecryptionError)
      expect(error.message).toBe('Decryption failed')
      expect((error.cause as Error).message).toContain('"secret"')
    })

    it.each([
      ['a changed IV (the first plaintext byte is no longer the 00 tag byte)', (b: Uint8Array) => { const c = b.slice(); c[0]! ^= 0x55; return c }],
      ['a truncated ciphertext', (b: Uint8Array) => b.subarray(0, b.length - 5)],
      ['an IV only', (b: Uint8Array) => b.subarray(0, 16)],
      ['an empty value', () => new Uint8Array(0)],
    ])('reports %s as "Decryption failed" with the detail in cause', async (_label, change) => {
      const signingKey = LocalDelegatedKey.generate('HmacSHA256', 256)
      const provider = aesHmacProvider({ signingKey })
      const encrypted = await encryptItem(sampleItem(), configFor(provider, actions))
      const resigned = await resign({ ...encrypted, secret: { B: change((encrypted.secret as { B: Uint8Array }).B) } }, signingKey, actions)
      const error = await rejection(decryptItem(resigned, configFor(provider, actions)))
      expect(error).toBeInstanceOf(DecryptionError)
      expect(error.message).toBe('Decryption failed')
      expect(error.cause).toBeDefined()
    })
  })
})

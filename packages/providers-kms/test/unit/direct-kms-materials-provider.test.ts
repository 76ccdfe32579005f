import { deepFreeze } from '@ddb-encryption/testing'
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms'
import {
  AwsKMSMaterialsProviderError,
  type EncryptionContext,
  InvalidAlgorithmError,
  InvalidArgumentError,
  UnknownRegionError,
  UnwrappingError,
  WrappingError,
} from '@ddb-encryption/core'
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { DirectKMSMaterialsProvider } from '../../src/direct-kms-materials-provider'
import { FakeKms, sdkError, type SentCommand } from '../support/fake-kms'

const KEY_ARN = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const OTHER_ARN = 'arn:aws:kms:us-west-2:111122223333:key/ffffffff-12ab-34cd-56ef-1234567890ab'
const IKM = Uint8Array.from({ length: 32 }, (_, i) => i)
// FORMAT.md 7.3 known answers for ikm = 00 01 ... 1f.
const ENC_KEY_HEX = '781ddf3715c39edff39465b0bdc122575ccc03d55a2bb23a3c2abadc853f0a78'
const SIGN_KEY_HEX = '1ce18b7e6ba3388e72a987d0c3b7993222c321f3cd78aefc2c846699a325a157'
const BLOB = Uint8Array.from({ length: 167 }, (_, i) => (i * 7 + 1) & 0xff)


function context(overrides: Partial<EncryptionContext> = {}): EncryptionContext {
  return deepFreeze({
    tableName: 'TableName',
    partitionKeyName: 'hashKey',
    sortKeyName: 'rangeKey',
    attributes: { hashKey: { N: '10.5' }, rangeKey: { B: Uint8Array.of(0, 1, 2, 250) }, other: { S: 'x' } },
    materialDescription: {},
    ...overrides,
  })
}

function generateOk(): FakeKms {
  return new FakeKms(() => ({ Plaintext: IKM.slice(), CiphertextBlob: BLOB.slice(), KeyId: KEY_ARN }))
}

function storedDescription(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const description: Record<string, string | undefined> = {
    'aws-kms-ec-attr': '*keys*',
    'amzn-ddb-wrap-alg': 'kms',
    'amzn-ddb-env-alg': 'AES/256',
    'amzn-ddb-sig-alg': 'HmacSHA256/256',
    'amzn-ddb-env-key': Buffer.from(BLOB).toString('base64'),
    'amzn-ddb-map-sym-mode': '/CBC/PKCS5Padding',
    ...overrides,
  }
  return Object.fromEntries(Object.entries(description).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

function decryptOk(keyId: string = KEY_ARN, plaintext: Uint8Array = IKM): FakeKms {
  return new FakeKms(() => ({ Plaintext: plaintext.slice(), KeyId: keyId }))
}

function input(command: SentCommand | undefined): Record<string, unknown> {
  if (command === undefined) throw new Error('no command was sent')
  return command.input as Record<string, unknown>
}

/** AES-CBC encrypt with node:crypto so the provider's key can be checked by decrypting. */
function aesCbc(keyHex: string, plaintext: string): Uint8Array {
  const key = Buffer.from(keyHex, 'hex')
  const iv = randomBytes(16)
  const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv)
  return new Uint8Array(Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]))
}

describe('DirectKMSMaterialsProvider constructor', () => {
  it('refuses a missing or empty keyId', () => {
    const kmsClient = generateOk().asClient()
    expect(() => new DirectKMSMaterialsProvider({ keyId: '', kmsClient })).toThrow(InvalidArgumentError)
    expect(() => new DirectKMSMaterialsProvider({ keyId: '', kmsClient })).toThrow(/"keyId" option/)
  })

  it('refuses options without kmsClient or clientSupplier', () => {
    expect(() => new DirectKMSMaterialsProvider({ keyId: KEY_ARN })).toThrow(InvalidArgumentError)
    expect(() => new DirectKMSMaterialsProvider({ keyId: KEY_ARN })).toThrow(/kmsClient.*clientSupplier/)
  })

  it('refuses caller encryption context keys that the provider reserves', () => {
    const kmsClient = generateOk().asClient()
    for (const key of ['*amzn-ddb-env-alg*', '*amzn-ddb-sig-alg*', '*aws-kms-table*']) {
      expect(() => new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient, kmsEncryptionContext: { [key]: 'v' } }))
        .toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('reserved') }))
    }
  })

  it('refuses material description keys other than env-alg and sig-alg', () => {
    const kmsClient = generateOk().asClient()
    expect(() => new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient, materialDescription: { custom: 'x' } }))
      .toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('"custom" is not supported') }))
  })

  it.each([
    ['amzn-ddb-env-alg', 'AES/512'],
    ['amzn-ddb-env-alg', 'DES/56'],
    ['amzn-ddb-env-alg', 'AES/abc'],
    ['amzn-ddb-sig-alg', 'HmacSHA256/64'],
    ['amzn-ddb-sig-alg', 'HmacSHA256/260'],
    ['amzn-ddb-sig-alg', 'SHA256withRSA/2048'],
  ])('refuses %s = %s with InvalidAlgorithmError', (key, value) => {
    const kmsClient = generateOk().asClient()
    expect(() => new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient, materialDescription: { [key]: value } }))
      .toThrow(InvalidAlgorithmError)
  })

  it('refuses grant tokens that are not strings', () => {
    const kmsClient = generateOk().asClient()
    expect(() => new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient, grantTokens: [1 as unknown as string] }))
      .toThrow(/"grantTokens" option/)
  })

  it('does not keep references to the caller options', async () => {
    const fake = generateOk()
    const grantTokens = ['t1']
    const encryptionContext: Record<string, string> = { purpose: 'test' }
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient(), grantTokens, kmsEncryptionContext: encryptionContext })
    grantTokens.push('t2')
    encryptionContext.purpose = 'changed'
    await provider.getEncryptionMaterials(context())
    expect(input(fake.sent[0]).GrantTokens).toEqual(['t1'])
    expect((input(fake.sent[0]).EncryptionContext as Record<string, string>).purpose).toBe('test')
    expect(Object.isFrozen(provider)).toBe(true)
  })
})

describe('DirectKMSMaterialsProvider region routing', () => {
  it('sends a key ARN of another region to the clientSupplier client of that region', async () => {
    const defaultClient = generateOk()
    const regional = generateOk()
    const asked: string[] = []
    const provider = new DirectKMSMaterialsProvider({
      keyId: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
      kmsClient: defaultClient.asClient(),
      region: 'us-east-1',
      clientSupplier: (region) => { asked.push(region); return regional.asClient() },
    })
    await provider.getEncryptionMaterials(context())
    expect(asked).toEqual(['eu-west-1'])
    expect(regional.sent).toHaveLength(1)
    expect(defaultClient.sent).toHaveLength(0)
  })

  it('sends an alias ARN to the region named in the ARN', async () => {
    const regional = generateOk()
    const asked: string[] = []
    const provider = new DirectKMSMaterialsProvider({
      keyId: 'arn:aws:kms:ap-south-1:111122223333:alias/orders',
      clientSupplier: (region) => { asked.push(region); return regional.asClient() },
    })
    await provider.getEncryptionMaterials(context())
    expect(asked).toEqual(['ap-south-1'])
    expect(input(regional.sent[0]).KeyId).toBe('arn:aws:kms:ap-south-1:111122223333:alias/orders')
  })

  it('uses the region option for an alias name or bare key id', async () => {
    for (const keyId of ['alias/orders', '1234abcd-12ab-34cd-56ef-1234567890ab', 'mrk-1234abcd12ab34cd56ef1234567890ab']) {
      const regional = generateOk()
      const asked: string[] = []
      const provider = new DirectKMSMaterialsProvider({
        keyId,
        region: 'eu-central-1',
        clientSupplier: (region) => { asked.push(region); return regional.asClient() },
      })
      await provider.getEncryptionMaterials(context())
      expect(asked).toEqual(['eu-central-1'])
      expect(input(regional.sent[0]).KeyId).toBe(keyId)
    }
  })

  it('uses kmsClient for an alias name when no region is given', async () => {
    const fake = generateOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: 'alias/orders', kmsClient: fake.asClient(), clientSupplier: () => { throw new Error('not expected') } })
    await provider.getEncryptionMaterials(context())
    expect(fake.sent).toHaveLength(1)
  })

  it('throws UnknownRegionError when only clientSupplier is given and the key id has no region', () => {
    expect(() => new DirectKMSMaterialsProvider({ keyId: 'alias/orders', clientSupplier: () => generateOk().asClient() }))
      .toThrow(UnknownRegionError)
    expect(() => new DirectKMSMaterialsProvider({ keyId: 'alias/orders', clientSupplier: () => generateOk().asClient() }))
      .toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_REGION', message: expect.stringContaining('"region"') }))
  })

  it('refuses a key ARN of another region than the region option when only kmsClient is given', () => {
    expect(() => new DirectKMSMaterialsProvider({ keyId: KEY_ARN, region: 'eu-west-1', kmsClient: generateOk().asClient() }))
      .toThrow(AwsKMSMaterialsProviderError)
  })
})

describe('DirectKMSMaterialsProvider.getEncryptionMaterials', () => {
  it('sends exactly one GenerateDataKey with NumberOfBytes 32, no KeySpec and the exact encryption context', async () => {
    const fake = generateOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient() })
    await provider.getEncryptionMaterials(context())
    expect(fake.sent).toHaveLength(1)
    expect(fake.sent[0]).toBeInstanceOf(GenerateDataKeyCommand)
    // toStrictEqual: no KeySpec, no GrantTokens, nothing else.
    expect(input(fake.sent[0])).toStrictEqual({
      KeyId: KEY_ARN,
      NumberOfBytes: 32,
      EncryptionContext: {
        '*amzn-ddb-env-alg*': 'AES/256',
        '*amzn-ddb-sig-alg*': 'HmacSHA256/256',
        hashKey: '10.5',
        rangeKey: Buffer.from([0, 1, 2, 250]).toString('base64'),
        '*aws-kms-table*': 'TableName',
      },
    })
  })

  it('sends S key values as is and the configured algorithm descriptions verbatim', async () => {
    const fake = generateOk()
    const provider = new DirectKMSMaterialsProvider({
      keyId: KEY_ARN,
      kmsClient: fake.asClient(),
      materialDescription: { 'amzn-ddb-env-alg': 'AES/128', 'amzn-ddb-sig-alg': 'HmacSHA384/384' },
    })
    await provider.getEncryptionMaterials(context({ sortKeyName: undefined, attributes: { hashKey: { S: 'päck 1' } } }))
    expect(input(fake.sent[0]).EncryptionContext).toStrictEqual({
      '*amzn-ddb-env-alg*': 'AES/128',
      '*amzn-ddb-sig-alg*': 'HmacSHA384/384',
      hashKey: 'päck 1',
      '*aws-kms-table*': 'TableName',
    })
  })

  it('sends grant tokens and merges the caller encryption context', async () => {
    const fake = generateOk()
    const provider = new DirectKMSMaterialsProvider({
      keyId: KEY_ARN,
      kmsClient: fake.asClient(),
      grantTokens: ['grant-a', 'grant-b'],
      kmsEncryptionContext: { tenant: 'acme' },
    })
    await provider.getEncryptionMaterials(context())
    expect(input(fake.sent[0]).GrantTokens).toEqual(['grant-a', 'grant-b'])
    expect(input(fake.sent[0]).EncryptionContext).toMatchObject({ tenant: 'acme', hashKey: '10.5' })
  })

  it('leaves out a named key attribute the item lacks and the table when no table name is set', async () => {
    const fake = generateOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient() })
    await provider.getEncryptionMaterials(context({ tableName: undefined, attributes: { hashKey: { N: '1' } } }))
    expect(input(fake.sent[0]).EncryptionContext).toStrictEqual({
      '*amzn-ddb-env-alg*': 'AES/256',
      '*amzn-ddb-sig-alg*': 'HmacSHA256/256',
      hashKey: '1',
    })
  })

  it('refuses a key attribute of a type KMS context cannot hold, naming it, before calling KMS', async () => {
    const fake = generateOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient() })
    const promise = provider.getEncryptionMaterials(context({ attributes: { hashKey: { L: [{ S: 'secret' }] }, rangeKey: { N: '1' } } }))
    await expect(promise).rejects.toThrow(InvalidArgumentError)
    await expect(provider.getEncryptionMaterials(context({ attributes: { hashKey: { BOOL: true } } })))
      .rejects.toThrow(/Key attribute "hashKey".*S, N or B/)
    expect(fake.sent).toHaveLength(0)
  })

  it.each(['10.50', '1E2', '-0', '007', '+5'])(
    'refuses to write an N key held as %p, which DynamoDB would store in another form',
    async (text) => {
      const fake = generateOk()
      const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient() })
      await expect(provider.getEncryptionMaterials(context({ attributes: { hashKey: { N: text }, rangeKey: { N: '1' } } })))
        .rejects.toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('Key attribute "hashKey"') }))
      expect(fake.sent).toHaveLength(0)
    },
  )

  it('refuses a caller encryption context key equal to a key attribute name', async () => {
    const fake = generateOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient(), kmsEncryptionContext: { rangeKey: 'x' } })
    await expect(provider.getEncryptionMaterials(context())).rejects.toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('"rangeKey"') }),
    )
    expect(fake.sent).toHaveLength(0)
  })

  it('refuses a key attribute named like a reserved context key', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: generateOk().asClient() })
    await expect(provider.getEncryptionMaterials(context({ partitionKeyName: '*aws-kms-table*', attributes: { '*aws-kms-table*': { S: 'a' } } })))
      .rejects.toThrow(InvalidArgumentError)
  })

  it('writes the material description of FORMAT.md 7.3 exactly', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: generateOk().asClient() })
    const materials = await provider.getEncryptionMaterials(context())
    expect(materials.materialDescription).toStrictEqual({
      'aws-kms-ec-attr': '*keys*',
      'amzn-ddb-wrap-alg': 'kms',
      'amzn-ddb-env-alg': 'AES/256',
      'amzn-ddb-sig-alg': 'HmacSHA256/256',
      'amzn-ddb-env-key': Buffer.from(BLOB).toString('base64'),
    })
    expect(Object.isFrozen(materials)).toBe(true)
    expect(Object.isFrozen(materials.materialDescription)).toBe(true)
  })

  it('derives the FORMAT.md 7.3 known-answer AES and HMAC keys with HKDF-SHA256', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: generateOk().asClient() })
    const materials = await provider.getEncryptionMaterials(context())
    expect(materials.encryptionKey?.algorithm).toBe('AES')
    expect(materials.signingKey.algorithm).toBe('HmacSHA256')
    const ciphertext = aesCbc(ENC_KEY_HEX, 'known answer')
    const plaintext = await materials.encryptionKey?.decrypt('AES/CBC/PKCS5Padding', 'a', ciphertext)
    expect(Buffer.from(plaintext ?? []).toString('utf8')).toBe('known answer')
    const data = new TextEncoder().encode('string to sign')
    const signature = await materials.signingKey.sign('HmacSHA256', data)
    expect(Buffer.from(signature).toString('hex')).toBe(createHmac('sha256', Buffer.from(SIGN_KEY_HEX, 'hex')).update(data).digest('hex'))
  })

  it('zeroes the plaintext data key KMS returned', async () => {
    const plaintext = IKM.slice()
    const provider = new DirectKMSMaterialsProvider({
      keyId: KEY_ARN,
      kmsClient: new FakeKms(() => ({ Plaintext: plaintext, CiphertextBlob: BLOB.slice() })).asClient(),
    })
    await provider.getEncryptionMaterials(context())
    expect(plaintext.every((byte) => byte === 0)).toBe(true)
  })

  it('throws WrappingError when KMS returns no 32-byte data key', async () => {
    for (const response of [{ CiphertextBlob: BLOB }, { Plaintext: IKM.slice(0, 16), CiphertextBlob: BLOB }, { Plaintext: IKM.slice() }]) {
      const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: new FakeKms(() => response).asClient() })
      await expect(provider.getEncryptionMaterials(context())).rejects.toThrow(WrappingError)
    }
  })

  it.each(['AccessDeniedException', 'ThrottlingException', 'DisabledException', 'NotFoundException'])(
    'passes a %s from GenerateDataKey through unchanged',
    async (name) => {
      const error = sdkError(name)
      const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: new FakeKms(() => { throw error }).asClient() })
      await expect(provider.getEncryptionMaterials(context())).rejects.toBe(error)
    },
  )

  it('does not mutate the deep-frozen context', async () => {
    const ctx = context()
    const before = JSON.stringify(ctx, (_, v: unknown) => (v instanceof Uint8Array ? [...v] : v))
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: generateOk().asClient() })
    await provider.getEncryptionMaterials(ctx)
    expect(JSON.stringify(ctx, (_, v: unknown) => (v instanceof Uint8Array ? [...v] : v))).toBe(before)
  })
})

describe('DirectKMSMaterialsProvider.getDecryptionMaterials', () => {
  it('sends exactly one Decrypt without KeyId, with the context rebuilt from the stored item', async () => {
    const fake = decryptOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient(), grantTokens: ['g'] })
    await provider.getDecryptionMaterials(context({ materialDescription: storedDescription() }))
    expect(fake.sent).toHaveLength(1)
    expect(fake.sent[0]).toBeInstanceOf(DecryptCommand)
    expect(input(fake.sent[0])).toStrictEqual({
      CiphertextBlob: BLOB,
      EncryptionContext: {
        '*amzn-ddb-env-alg*': 'AES/256',
        '*amzn-ddb-sig-alg*': 'HmacSHA256/256',
        hashKey: '10.5',
        rangeKey: Buffer.from([0, 1, 2, 250]).toString('base64'),
        '*aws-kms-table*': 'TableName',
      },
      GrantTokens: ['g'],
    })
  })

  it('sends N key text exactly as held in the stored item, not normalized', async () => {
    const fake = decryptOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient() })
    await provider.getDecryptionMaterials(context({ attributes: { hashKey: { N: '10.50' }, rangeKey: { N: '1E2' } }, materialDescription: storedDescription() }))
    expect(input(fake.sent[0]).EncryptionContext).toMatchObject({ hashKey: '10.50', rangeKey: '1E2' })
  })

  it("uses the item's algorithm descriptions, not the provider's, for the context and key lengths", async () => {
    const fake = decryptOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient() })
    const materials = await provider.getDecryptionMaterials(
      context({ materialDescription: storedDescription({ 'amzn-ddb-env-alg': 'AES', 'amzn-ddb-sig-alg': 'HmacSHA512/512' }) }),
    )
    expect(input(fake.sent[0]).EncryptionContext).toMatchObject({ '*amzn-ddb-env-alg*': 'AES', '*amzn-ddb-sig-alg*': 'HmacSHA512/512' })
    // "AES" without bits means 256 bits: the known answer key.
    const plaintext = await materials.decryptionKey?.decrypt('AES/CBC/PKCS5Padding', 'a', aesCbc(ENC_KEY_HEX, 'abc'))
    expect(Buffer.from(plaintext ?? []).toString()).toBe('abc')
    const signingKey = Buffer.from(hkdfSync('sha256', IKM, new Uint8Array(32), 'Signing', 64))
    const data = new TextEncoder().encode('data')
    const expected = new Uint8Array(createHmac('sha512', signingKey).update(data).digest())
    expect(await materials.verificationKey.verify('HmacSHA512', expected, data)).toBe(true)
  })

  it('derives a 128-bit AES key as the first 16 bytes of the HKDF output', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: decryptOk().asClient() })
    const materials = await provider.getDecryptionMaterials(context({ materialDescription: storedDescription({ 'amzn-ddb-env-alg': 'AES/128' }) }))
    const plaintext = await materials.decryptionKey?.decrypt('AES/CBC/PKCS5Padding', 'a', aesCbc(ENC_KEY_HEX.slice(0, 32), 'short key'))
    expect(Buffer.from(plaintext ?? []).toString()).toBe('short key')
  })

  it('accepts a short HMAC key length on read (old items)', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: decryptOk().asClient() })
    const materials = await provider.getDecryptionMaterials(context({ materialDescription: storedDescription({ 'amzn-ddb-sig-alg': 'HmacSHA256/64' }) }))
    const data = new TextEncoder().encode('data')
    const key = Buffer.from(SIGN_KEY_HEX.slice(0, 16), 'hex')
    expect(await materials.verificationKey.verify('HmacSHA256', new Uint8Array(createHmac('sha256', key).update(data).digest()), data)).toBe(true)
  })

  it('returns frozen materials carrying the item description', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: decryptOk().asClient() })
    const description = storedDescription()
    const materials = await provider.getDecryptionMaterials(context({ materialDescription: description }))
    expect(materials.materialDescription).toStrictEqual(description)
    expect(Object.isFrozen(materials)).toBe(true)
  })

  it.each([
    ['amzn-ddb-env-key', undefined, UnwrappingError, /lacks amzn-ddb-env-key/],
    ['amzn-ddb-env-alg', undefined, UnwrappingError, /lacks amzn-ddb-env-alg or amzn-ddb-sig-alg/],
    ['amzn-ddb-sig-alg', undefined, UnwrappingError, /lacks amzn-ddb-env-alg or amzn-ddb-sig-alg/],
    ['amzn-ddb-wrap-alg', undefined, UnwrappingError, /amzn-ddb-wrap-alg is not "kms"/],
    ['amzn-ddb-wrap-alg', 'AESWrap', UnwrappingError, /amzn-ddb-wrap-alg is not "kms"/],
    ['aws-kms-ec-attr', '*all*', UnwrappingError, /aws-kms-ec-attr is not "\*keys\*"/],
    ['amzn-ddb-env-key', 'not base64!', UnwrappingError, /not valid base64/],
    ['amzn-ddb-env-key', '', UnwrappingError, /not valid base64/],
    ['amzn-ddb-env-alg', 'DESede/168', UnwrappingError, /content key algorithm/],
    ['amzn-ddb-env-alg', 'AES/100', UnwrappingError, /content key algorithm/],
    ['amzn-ddb-sig-alg', 'SHA256withRSA', UnwrappingError, /signing key algorithm/],
    ['amzn-ddb-sig-alg', 'HmacSHA256/7', UnwrappingError, /signing key algorithm/],
  ])('refuses a description whose %s is %p before calling KMS', async (key, value, errorClass, message) => {
    const fake = decryptOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient() })
    const promise = provider.getDecryptionMaterials(context({ materialDescription: storedDescription({ [key]: value }) }))
    await expect(promise).rejects.toThrow(errorClass)
    await expect(provider.getDecryptionMaterials(context({ materialDescription: storedDescription({ [key]: value }) }))).rejects.toThrow(message)
    expect(fake.sent).toHaveLength(0)
  })

  it('accepts a description without aws-kms-ec-attr', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: decryptOk().asClient() })
    await expect(provider.getDecryptionMaterials(context({ materialDescription: storedDescription({ 'aws-kms-ec-attr': undefined }) })))
      .resolves.toBeDefined()
  })

  it.each(['InvalidCiphertextException', 'IncorrectKeyException', 'DisabledException', 'KMSInvalidStateException', 'AccessDeniedException'])(
    'maps %s from Decrypt to UnwrappingError with the SDK error as cause',
    async (name) => {
      const error = sdkError(name)
      const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: new FakeKms(() => { throw error }).asClient() })
      const caught: unknown = await provider.getDecryptionMaterials(context({ materialDescription: storedDescription() })).catch((e: unknown) => e)
      expect(caught).toBeInstanceOf(UnwrappingError)
      expect((caught as UnwrappingError).code).toBe('ERR_UNWRAPPING_FAILED')
      expect((caught as UnwrappingError).message).toMatch(/KMS refused Decrypt/)
      expect((caught as UnwrappingError).cause).toBe(error)
    },
  )

  it.each(['ThrottlingException', 'KMSInternalException', 'DependencyTimeoutException', 'TimeoutError'])(
    'passes %s from Decrypt through unchanged',
    async (name) => {
      const error = sdkError(name)
      const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: new FakeKms(() => { throw error }).asClient() })
      await expect(provider.getDecryptionMaterials(context({ materialDescription: storedDescription() }))).rejects.toBe(error)
    },
  )

  it('refuses a data key KMS decrypted under another key than the configured key ARN', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: decryptOk(OTHER_ARN).asClient() })
    await expect(provider.getDecryptionMaterials(context({ materialDescription: storedDescription() })))
      .rejects.toThrow(expect.objectContaining({ code: 'ERR_UNWRAPPING_FAILED', message: expect.stringContaining('another KMS key') }))
  })

  it('accepts whatever key KMS used when the configured id is an alias', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: 'alias/orders', kmsClient: decryptOk(OTHER_ARN).asClient() })
    await expect(provider.getDecryptionMaterials(context({ materialDescription: storedDescription() }))).resolves.toBeDefined()
  })

  it('throws UnwrappingError when KMS returns no plaintext', async () => {
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: new FakeKms(() => ({ KeyId: KEY_ARN })).asClient() })
    await expect(provider.getDecryptionMaterials(context({ materialDescription: storedDescription() }))).rejects.toThrow(UnwrappingError)
  })

  it('zeroes the plaintext data key KMS returned', async () => {
    const plaintext = IKM.slice()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: new FakeKms(() => ({ Plaintext: plaintext, KeyId: KEY_ARN })).asClient() })
    await provider.getDecryptionMaterials(context({ materialDescription: storedDescription() }))
    expect(plaintext.every((byte) => byte === 0)).toBe(true)
  })

  it('has a refresh that does nothing and sends nothing', async () => {
    const fake = decryptOk()
    const provider = new DirectKMSMaterialsProvider({ keyId: KEY_ARN, kmsClient: fake.asClient() })
    await expect(provider.refresh()).resolves.toBeUndefined()
    expect(fake.sent).toHaveLength(0)
  })
})

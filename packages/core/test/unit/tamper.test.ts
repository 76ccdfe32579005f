import fc from 'fast-check'
import {
  AttributeActions,
  CryptoAction,
  DecryptionError,
  decryptItem,
  DynamoDBEncryptionError,
  encryptItem,
  InvalidArgumentError,
  MaterialDescriptionKey,
  normalizeNumber,
  ReservedAttribute,
  SignatureVerificationError,
  type AttributeValue,
  type Item,
} from '../../src/index'
import { itemWithActions, makeItem, PARTITION_KEY } from '../support/arbitraries'
import { configFor, rejection, TABLE } from '../support/helpers'
import { aesHmacProvider, aesRsaProvider, descriptionOf, type TestStaticProvider, withDescription } from '@ddb-encryption/testing'

type ErrorClass = typeof SignatureVerificationError | typeof DecryptionError | typeof InvalidArgumentError
const CODES = new Map<ErrorClass, string>([
  [SignatureVerificationError, 'ERR_SIGNATURE_VERIFICATION_FAILED'],
  [DecryptionError, 'ERR_DECRYPTION_FAILED'],
  [InvalidArgumentError, 'ERR_INVALID_ARGUMENT'],
])

/** A value that is certainly different (also after number normalization and Python's 28-digit rounding). */
function changeValue(value: AttributeValue, pick: number): AttributeValue {
  const flipSign = (n: string): string => {
    const normal = normalizeNumber(n)
    return normal === '0' ? '1' : normal.startsWith('-') ? normal.slice(1) : '-' + normal
  }
  if ('S' in value) return { S: value.S + 'x' }
  if ('N' in value) return { N: flipSign(value.N) }
  if ('B' in value) {
    if (value.B.length === 0) return { B: Uint8Array.of(pick & 0xff) }
    const b = value.B.slice()
    b[pick % b.length]! ^= 1 + (pick % 255)
    return { B: b }
  }
  if ('SS' in value) return { SS: [...value.SS.slice(1), value.SS[0] + '\u{1F600}'] }
  if ('NS' in value) return { NS: [...value.NS.slice(1), flipSign(value.NS[0]!)] }
  if ('BS' in value) return { BS: [...value.BS.slice(1), Uint8Array.of(...value.BS[0]!, pick & 0xff)] }
  if ('BOOL' in value) return { BOOL: !value.BOOL }
  if ('NULL' in value) return { BOOL: true }
  if ('L' in value) return { L: [...value.L, { NULL: true }] }
  if ('M' in value) return { M: { ...value.M, '\u{1F600}added': { NULL: true } } }
  throw new Error('unexpected attribute value type')
}

function withAttribute(item: Item, name: string, value: AttributeValue | undefined): Item {
  return makeItem([
    ...Object.keys(item).filter((n) => n !== name).map((n) => [n, item[n] as AttributeValue] as const),
    ...(value === undefined ? [] : [[name, value] as const]),
  ])
}

function signedNames(item: Item, actions: AttributeActions): string[] {
  return Object.keys(item).filter((n) => n !== ReservedAttribute.Signature && n !== ReservedAttribute.MaterialDescription && actions.action(n) !== CryptoAction.DO_NOTHING)
}

interface Tamper {
  stored: Item
  actions?: AttributeActions
  tableName?: string
  expected: ErrorClass
}

/** The tampering kinds; each returns undefined when it does not apply to this item. */
const tampers: Record<string, (stored: Item, actions: AttributeActions, pick: number) => Tamper | undefined> = {
  'a signature byte': (stored, _a, pick) => {
    const sig = (stored[ReservedAttribute.Signature] as { B: Uint8Array }).B.slice()
    sig[pick % sig.length]! ^= 1 + (pick % 255)
    return { stored: withAttribute(stored, ReservedAttribute.Signature, { B: sig }), expected: SignatureVerificationError }
  },
  'a truncated signature': (stored, _a, pick) => {
    const sig = (stored[ReservedAttribute.Signature] as { B: Uint8Array }).B
    return { stored: withAttribute(stored, ReservedAttribute.Signature, { B: sig.subarray(0, pick % sig.length) }), expected: SignatureVerificationError }
  },
  'a signed attribute value (encrypted or sign-only)': (stored, actions, pick) => {
    const names = signedNames(stored, actions)
    const name = names[pick % names.length]!
    return { stored: withAttribute(stored, name, changeValue(stored[name] as AttributeValue, pick)), expected: SignatureVerificationError }
  },
  'the primary key value': (stored, _a, pick) => ({
    stored: withAttribute(stored, PARTITION_KEY, changeValue(stored[PARTITION_KEY] as AttributeValue, pick)),
    expected: SignatureVerificationError,
  }),
  'an added signed attribute': (stored, actions) => {
    const name = 'added\u{1F600}'
    if (actions.action(name) === CryptoAction.DO_NOTHING || name in stored) return undefined
    return { stored: withAttribute(stored, name, { S: 'new' }), expected: SignatureVerificationError }
  },
  'a removed signed attribute': (stored, actions, pick) => {
    const names = signedNames(stored, actions)
    return { stored: withAttribute(stored, names[pick % names.length]!, undefined), expected: SignatureVerificationError }
  },
  'a changed action': (stored, actions, pick) => {
    const names = Object.keys(stored).filter((n) => n !== ReservedAttribute.Signature && n !== ReservedAttribute.MaterialDescription)
    const name = names[pick % names.length]!
    const current = actions.action(name)
    const next = ((current + 1 + (pick % 2)) % 3) as CryptoAction
    const overrides = { ...actions.attributeActions }
    Object.defineProperty(overrides, name, { value: next, enumerable: true, writable: true, configurable: true })
    const changed = new AttributeActions({ defaultAction: actions.defaultAction, attributeActions: overrides })
    if (changed.takeNoActions) return undefined // nothing is verified at all then, by design (FORMAT.md 5.2)
    // Asking to encrypt the partition key is refused before anything else.
    const expected = name === PARTITION_KEY && next === CryptoAction.ENCRYPT_AND_SIGN ? InvalidArgumentError : SignatureVerificationError
    return { stored, actions: changed, expected }
  },
  'another table name': (stored, _a, pick) => ({ stored, tableName: pick % 2 === 0 ? TABLE + '-copy' : 'testTable', expected: SignatureVerificationError }),
  'the sym-mode entry': (stored, actions, pick) => {
    if (!signedNames(stored, actions).some((n) => actions.action(n) === CryptoAction.ENCRYPT_AND_SIGN)) return undefined
    const md = descriptionOf(stored)
    const modes = ['/ECB/PKCS5Padding', '/CTR/NoPadding', '/GCM/NoPadding', '/CBC/NoPadding', '']
    return { stored: withDescription(stored, { ...md, [MaterialDescriptionKey.SymmetricMode]: modes[pick % modes.length]! }), expected: DecryptionError }
  },
  'the signingAlg entry': (stored, _a, pick) => {
    const md = descriptionOf(stored)
    const current = md[MaterialDescriptionKey.SigningAlgorithm]
    const others = ['HmacSHA224', 'HmacSHA256', 'HmacSHA384', 'HmacSHA512', 'SHA224withRSA', 'SHA256withRSA', 'SHA384withRSA', 'SHA512withRSA'].filter((a) => a !== current)
    return { stored: withDescription(stored, { ...md, [MaterialDescriptionKey.SigningAlgorithm]: others[pick % others.length]! }), expected: SignatureVerificationError }
  },
}

describe.each([
  ['AES-128 + HmacSHA256', aesHmacProvider, 60],
  ['AES-128 + SHA256withRSA', aesRsaProvider, 25],
] as const)('decryptItem rejects tampered items (%s)', (_label, makeProvider, numRuns) => {
  let provider: TestStaticProvider
  beforeAll(() => {
    provider = makeProvider()
  })

  it.each(Object.keys(tampers))('changing %s', async (kind) => {
    await fc.assert(
      fc.asyncProperty(itemWithActions, fc.nat(), async ({ item, actions }, pick) => {
        fc.pre(!actions.takeNoActions)
        const stored = await encryptItem(item, configFor(provider, actions))
        const tamper = tampers[kind]!(stored, actions, pick)
        fc.pre(tamper !== undefined)
        const config = configFor(provider, tamper!.actions ?? actions, { tableName: tamper!.tableName ?? TABLE })
        const error = await rejection(decryptItem(tamper!.stored, config))
        expect(DynamoDBEncryptionError.isInstance(error)).toBe(true)
        expect(error).toBeInstanceOf(tamper!.expected)
        expect(error.code).toBe(CODES.get(tamper!.expected))
      }),
      { numRuns },
    )
  })
})

// The same keys configured on both sides: one of our providers and the matching reference provider (Python or Java).
import { generateKeyPairSync } from 'node:crypto'

import {
  CryptoAction,
  LocalDelegatedKey,
  randomKeyBytes,
  ReservedAttribute,
  stringToSign,
  type AttributeActions,
  type CryptographicMaterialsProvider,
  type DecryptionMaterials,
  type EncryptionContext,
  type Item,
  type SerializeOptions,
} from '@ddb-encryption/core'
import { StaticMaterialsProvider, WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'

import type { BridgeKeySpec, BridgeProviderSpec, PythonActions, PythonProviderSpec } from '../../src'

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

export interface KeyPairSpec {
  readonly ours: LocalDelegatedKey
  /** The same key for a reference bridge (Python or Java). */
  readonly reference: BridgeKeySpec
}

export function symmetricKey(algorithm: 'AES' | 'HmacSHA256', bytes: Uint8Array): KeyPairSpec {
  return {
    ours: LocalDelegatedKey.fromBytes({ key: bytes, algorithm, keyType: 'symmetric', encoding: 'RAW' }),
    reference: { key: b64(bytes), algorithm, keyType: 'symmetric', encoding: 'RAW' },
  }
}

/** An RSA key pair as DER (PKCS#8 private, SubjectPublicKeyInfo public). */
export function rsaKeyPairDer(bits = 2048): { privateDer: Uint8Array; publicDer: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits })
  return {
    privateDer: new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })),
    publicDer: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
  }
}

export function rsaKey(algorithm: string, der: Uint8Array, keyType: 'public' | 'private'): KeyPairSpec {
  return {
    ours: LocalDelegatedKey.fromBytes({ key: der, algorithm, keyType, encoding: 'DER' }),
    reference: { key: b64(der), algorithm, keyType, encoding: 'DER' },
  }
}

export interface ProviderPair<Spec extends BridgeProviderSpec = PythonProviderSpec> {
  readonly ours: CryptographicMaterialsProvider
  /** The matching reference provider (the same spec drives Python and Java). */
  readonly reference: Spec
}

export function staticPair(): ProviderPair {
  const encryption = symmetricKey('AES', randomKeyBytes(32))
  const signing = symmetricKey('HmacSHA256', randomKeyBytes(32))
  return {
    ours: StaticMaterialsProvider.fromKeys({ encryptionKey: encryption.ours, signingKey: signing.ours }),
    reference: { type: 'static', encryptionKey: encryption.reference, signingKey: signing.reference },
  }
}

export function wrappedAesPair(): ProviderPair {
  const wrapping = symmetricKey('AES', randomKeyBytes(32))
  const signing = symmetricKey('HmacSHA256', randomKeyBytes(32))
  return {
    ours: new WrappedMaterialsProvider({ wrappingKey: wrapping.ours, unwrappingKey: wrapping.ours, signingKey: signing.ours }),
    reference: { type: 'wrapped', wrappingKey: wrapping.reference, unwrappingKey: wrapping.reference, signingKey: signing.reference },
  }
}

export function wrappedRsaPair(): ProviderPair {
  const wrapping = rsaKeyPairDer()
  const signing = rsaKeyPairDer()
  const wrap = rsaKey('RSA', wrapping.publicDer, 'public')
  const unwrap = rsaKey('RSA', wrapping.privateDer, 'private')
  const sign = rsaKey('SHA256withRSA', signing.privateDer, 'private')
  return {
    ours: new WrappedMaterialsProvider({ wrappingKey: wrap.ours, unwrappingKey: unwrap.ours, signingKey: sign.ours }),
    reference: { type: 'wrapped', wrappingKey: wrap.reference, unwrappingKey: unwrap.reference, signingKey: sign.reference },
  }
}

/**
 * Java's `AsymmetricStaticProvider` (RSA key pair: wraps with the public half, unwraps with the private one; signs
 * with a second RSA key pair) and our wrapped provider with the same keys. Java only: Python has no such class.
 */
export function asymmetricPair(): ProviderPair<BridgeProviderSpec> {
  const wrapping = rsaKeyPairDer()
  const signing = rsaKeyPairDer()
  const unwrap = rsaKey('RSA', wrapping.privateDer, 'private')
  const sign = rsaKey('SHA256withRSA', signing.privateDer, 'private')
  return {
    ours: new WrappedMaterialsProvider({ wrappingKey: rsaKey('RSA', wrapping.publicDer, 'public').ours, unwrappingKey: unwrap.ours, signingKey: sign.ours }),
    reference: { type: 'asymmetric', encryptionKey: unwrap.reference, signingKey: sign.reference },
  }
}

const ACTION_NAMES = {
  [CryptoAction.DO_NOTHING]: 'DO_NOTHING',
  [CryptoAction.SIGN_ONLY]: 'SIGN_ONLY',
  [CryptoAction.ENCRYPT_AND_SIGN]: 'ENCRYPT_AND_SIGN',
} as const

/** Our actions in the helper's form. */
export function pythonActions(defaultAction: CryptoAction, overrides: Readonly<Record<string, CryptoAction>>): PythonActions {
  const named: Record<string, PythonActions['default'] & string> = {}
  for (const name of Object.keys(overrides)) {
    Object.defineProperty(named, name, { value: ACTION_NAMES[overrides[name] as CryptoAction], enumerable: true, writable: true, configurable: true })
  }
  return { default: ACTION_NAMES[defaultAction], overrides: named }
}

/**
 * Wraps a provider for one decryptItem call and keeps the decryption materials it returned, so the test can
 * recompute the signature with the very key that verified the item.
 */
export function recording(provider: CryptographicMaterialsProvider): CryptographicMaterialsProvider & { materials?: DecryptionMaterials } {
  const wrapper: CryptographicMaterialsProvider & { materials?: DecryptionMaterials } = {
    getEncryptionMaterials: (context: EncryptionContext) => provider.getEncryptionMaterials(context),
    getDecryptionMaterials: async (context: EncryptionContext) => {
      const materials = await provider.getDecryptionMaterials(context)
      wrapper.materials = materials
      return materials
    },
    refresh: () => provider.refresh(),
  }
  return wrapper
}

/** Our signature over a stored item (its reserved attributes left out), in our default canonical form unless `form` says otherwise. */
export async function ourSignature(
  materials: DecryptionMaterials,
  stored: Item,
  tableName: string,
  actions: AttributeActions,
  form?: SerializeOptions,
): Promise<Uint8Array> {
  const body: Record<string, Item[string]> = {}
  for (const name of Object.keys(stored)) {
    if (name === ReservedAttribute.Signature || name === ReservedAttribute.MaterialDescription) continue
    Object.defineProperty(body, name, { value: stored[name], enumerable: true, writable: true, configurable: true })
  }
  const key = materials.verificationKey
  return key.sign(key.algorithm, stringToSign(body, tableName, actions, form))
}

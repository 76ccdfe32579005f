import { generateKeyPairSync } from 'node:crypto'
import {
  createDecryptionMaterials,
  createEncryptionMaterials,
  type CryptographicMaterialsProvider,
  type DecryptionMaterials,
  type DelegatedKey,
  type EncryptionContext,
  type EncryptionMaterials,
  LocalDelegatedKey,
} from '@ddb-encryption/core'


/** Options of {@link TestStaticProvider}. */
export interface TestStaticProviderOptions {
  encryptionKey?: DelegatedKey
  signingKey: DelegatedKey
  /** Verification key; default the signing key (an RSA private key can verify). */
  verificationKey?: DelegatedKey
  /** Decryption key; default the encryption key. */
  decryptionKey?: DelegatedKey
  materialDescription?: Record<string, string>
}

/**
 * The static provider of every package's tests: the same frozen materials for every item, and a record of every
 * context it was given (so tests can assert what the encryptor passes). Tests that need a real provider use
 * providers-wrapped's `StaticMaterialsProvider`; worker-thread config modules (plain CommonJS) build their own.
 */
export class TestStaticProvider implements CryptographicMaterialsProvider {
  readonly encryptionContexts: EncryptionContext[] = []
  readonly decryptionContexts: EncryptionContext[] = []
  readonly #encryption: EncryptionMaterials
  readonly #decryption: DecryptionMaterials

  constructor(options: TestStaticProviderOptions) {
    const materialDescription = options.materialDescription ?? {}
    this.#encryption = createEncryptionMaterials({
      materialDescription,
      ...(options.encryptionKey ? { encryptionKey: options.encryptionKey } : {}),
      signingKey: options.signingKey,
    })
    const decryptionKey = options.decryptionKey ?? options.encryptionKey
    this.#decryption = createDecryptionMaterials({
      materialDescription,
      ...(decryptionKey ? { decryptionKey } : {}),
      verificationKey: options.verificationKey ?? options.signingKey,
    })
  }

  async getEncryptionMaterials(context: EncryptionContext): Promise<EncryptionMaterials> {
    this.encryptionContexts.push(context)
    return this.#encryption
  }

  async getDecryptionMaterials(context: EncryptionContext): Promise<DecryptionMaterials> {
    this.decryptionContexts.push(context)
    return this.#decryption
  }

  async refresh(): Promise<void> {}
}

/** Provider with an AES-128 content key and an HmacSHA256 signing key, fresh random keys. */
export function aesHmacProvider(extra: Partial<TestStaticProviderOptions> = {}): TestStaticProvider {
  return new TestStaticProvider({
    encryptionKey: LocalDelegatedKey.generate('AES', 128),
    signingKey: LocalDelegatedKey.generate('HmacSHA256', 256),
    ...extra,
  })
}

let rsaKeys: { signingKey: LocalDelegatedKey; verificationKey: LocalDelegatedKey } | undefined
/** One RSA-2048 SHA256withRSA key pair per test file (generation is slow): private half signs, public verifies. */
export function sharedRsaKeys(): { signingKey: LocalDelegatedKey; verificationKey: LocalDelegatedKey } {
  if (rsaKeys === undefined) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    rsaKeys = {
      signingKey: LocalDelegatedKey.fromKeyObject(privateKey, 'SHA256withRSA'),
      verificationKey: LocalDelegatedKey.fromKeyObject(publicKey, 'SHA256withRSA'),
    }
  }
  return rsaKeys
}

/** Provider with an AES-128 content key and RSA (SHA256withRSA) signatures. */
export function aesRsaProvider(extra: Partial<TestStaticProviderOptions> = {}): TestStaticProvider {
  return new TestStaticProvider({
    encryptionKey: LocalDelegatedKey.generate('AES', 128),
    ...sharedRsaKeys(),
    ...extra,
  })
}

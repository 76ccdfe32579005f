import {
  InvalidVersionError,
  MaterialDescriptionKey,
  type CryptographicMaterialsProvider,
  type DelegatedKey,
  type EncryptionContext,
} from '@ddb-encryption/core'
import type { ProviderStore } from '../../src/provider-store'
import { versionFromMaterialDescription } from '../../src/version'

/** A provider that only says which name and version it stands for. */
export class FakeVersionProvider implements CryptographicMaterialsProvider {
  constructor(readonly materialName: string, readonly version: number) {}
  get metaId(): string {
    return `${this.materialName}#${this.version}`
  }
  async getEncryptionMaterials() {
    return { materialDescription: { [MaterialDescriptionKey.MetaId]: this.metaId }, signingKey: {} as DelegatedKey }
  }
  async getDecryptionMaterials() {
    return { materialDescription: { [MaterialDescriptionKey.MetaId]: this.metaId }, verificationKey: {} as DelegatedKey }
  }
  async refresh(): Promise<void> {}
}

interface Deferred {
  promise: Promise<void>
  resolve: () => void
}
function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((r) => { resolve = r })
  return { promise, resolve }
}

/** In-memory ProviderStore that counts calls, can hold calls at a gate, and can be made to fail. */
export class FakeStore implements ProviderStore {
  readonly versions = new Map<string, Set<number>>()
  readonly calls: Array<{ method: string; materialName?: string; version?: number }> = []
  /** When set, every async call rejects with it. */
  failure: Error | undefined
  #gate: Deferred | undefined

  /** Holds every following async call until `open()`. */
  close(): void {
    this.#gate = deferred()
  }
  open(): void {
    const gate = this.#gate
    this.#gate = undefined
    gate?.resolve()
  }
  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length
  }
  add(materialName: string, version: number): void {
    const set = this.versions.get(materialName) ?? new Set<number>()
    set.add(version)
    this.versions.set(materialName, set)
  }

  async #enter(method: string, materialName?: string, version?: number): Promise<void> {
    this.calls.push({ method, ...(materialName === undefined ? {} : { materialName }), ...(version === undefined ? {} : { version }) })
    if (this.#gate) await this.#gate.promise
    await Promise.resolve()
    if (this.failure) throw this.failure
  }

  async getOrCreateProvider(materialName: string, version: number): Promise<CryptographicMaterialsProvider> {
    await this.#enter('getOrCreateProvider', materialName, version)
    this.add(materialName, version)
    return new FakeVersionProvider(materialName, version)
  }
  async provider(materialName: string, version?: number): Promise<CryptographicMaterialsProvider> {
    await this.#enter('provider', materialName, version)
    const v = version ?? Math.max(0, ...(this.versions.get(materialName) ?? []))
    if (!this.versions.get(materialName)?.has(v)) throw new InvalidVersionError(`Version ${v} not found`)
    return new FakeVersionProvider(materialName, v)
  }
  async maxVersion(materialName: string): Promise<number | undefined> {
    await this.#enter('maxVersion', materialName)
    const set = this.versions.get(materialName)
    return set === undefined || set.size === 0 ? undefined : Math.max(...set)
  }
  versionFromMaterialDescription(materialDescription: Readonly<Record<string, string>>): number {
    return versionFromMaterialDescription(materialDescription)
  }
  async newProvider(materialName: string): Promise<CryptographicMaterialsProvider> {
    const max = await this.maxVersion(materialName)
    return this.getOrCreateProvider(materialName, max === undefined ? 0 : max + 1)
  }
}

/** A context as the encryptor builds it, with the given material description. */
export function contextWith(materialDescription: Record<string, string> = {}): EncryptionContext {
  return { tableName: 'data', attributes: {}, materialDescription }
}

/** Decryption context of an item written under `metaId`. */
export function itemContext(metaId: string): EncryptionContext {
  return contextWith({ [MaterialDescriptionKey.MetaId]: metaId })
}

/** A controllable clock. */
export class Clock {
  constructor(public value = 1_000_000) {}
  readonly now = (): number => this.value
  advance(ms: number): void {
    this.value += ms
  }
}

// Test cases and scenarios the Python and Java suites share: dedicated items, the items on which Python's and
// Java's orders differ, and the MetaStore rotation across both sides.
import {
  CryptoAction,
  deserializeMaterialDescription,
  MaterialDescriptionKey,
  ReservedAttribute,
  type Item,
} from '@ddb-encryption/core'
import type { MetaStore, MostRecentProvider } from '@ddb-encryption/store-meta'
import type fc from 'fast-check'

import { interopCase, type InteropCase, type ReferenceBridge } from '../../src'
import { oursToReference, referenceToOurs, sample, type RoundTripOptions } from './round-trip'

/** One case with a fixed partition key and the given extra attributes and actions. */
export function dedicatedCase(attributes: Item, overrides: Readonly<Record<string, CryptoAction>>, defaultAction: CryptoAction = CryptoAction.ENCRYPT_AND_SIGN): InteropCase {
  return {
    item: { pk: { S: 'dedicated' }, ...attributes },
    partitionKeyName: 'pk',
    defaultAction,
    overrides: { pk: CryptoAction.SIGN_ONLY, ...overrides },
  }
}

/**
 * Where code point order (Python, us) and UTF-16 order (Java) differ, and unsigned (Python, us) and signed (Java)
 * binary set order (FORMAT.md 1.4): binary set members across 0x80, U+E000..U+FFFF against non-BMP characters in
 * names, set members and map keys; sign-only and encrypted.
 */
export const ORDERING_CASES: readonly InteropCase[] = [CryptoAction.SIGN_ONLY, CryptoAction.ENCRYPT_AND_SIGN].map((action) => dedicatedCase({
  bs: { BS: [Uint8Array.of(0x80), Uint8Array.of(0x01), Uint8Array.of(0xff), Uint8Array.of(0x7f, 0x00)] },
  ss: { SS: ['\u{1F600}', '\uFF01', '\uE000', 'a', '\u{10000}\uFFFF'] },
  m: { M: { '\u{1F600}': { N: '1' }, '\uFF01': { N: '2' }, '\uE000x': { BS: [Uint8Array.of(0xff), Uint8Array.of(0x00)] } } },
  '\u{1F600}': { S: 'non-BMP name' },
  '\uFF01': { S: 'U+FF01 name' },
  '\uE000': { S: 'U+E000 name' },
}, {}, action))

/** The MetaStore material ids (`name#version`) items were encrypted with. */
export function metaIds(items: readonly Item[]): Set<string> {
  return new Set(items.map((item) =>
    deserializeMaterialDescription((item[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)[MaterialDescriptionKey.MetaId] as string))
}

/** Everything {@link rotateAcrossSides} needs: both sides' most-recent providers over one MetaStore table. */
export interface RotationScenario {
  readonly bridge: ReferenceBridge
  /** The reference's most_recent provider id. */
  readonly provider: string
  readonly store: MetaStore
  readonly ours: MostRecentProvider
  readonly materialName: string
  /** Items per direction, over the three versions. */
  readonly items: number
  readonly options: RoundTripOptions
  /** Cases we write; default {@link interopCase}. */
  readonly oursCases?: fc.Arbitrary<InteropCase>
  /** Cases the reference writes; default {@link interopCase}. */
  readonly referenceCases?: fc.Arbitrary<InteropCase>
}

/**
 * Version 0 created by us, version 1 by the reference (`new_provider` / `MetaStore.newProvider`), version 2 by us
 * again: after each rotation both sides refresh, encrypt with the newest version (rows created by the other side)
 * and decrypt each other's items. Resolves with the version 0 items (ours, the reference's) for later checks.
 */
export async function rotateAcrossSides(s: RotationScenario): Promise<{ readonly oursV0: Item[]; readonly referenceV0: Item[] }> {
  const perPhase = Math.ceil(s.items / 3)
  const name = s.options.name
  const phase = async (version: number): Promise<[Item[], Item[]]> => {
    await s.ours.refresh()
    await s.bridge.refresh(s.provider)
    const mine = `meta v${version} ours->${name}`
    const theirs = `meta v${version} ${name}->ours`
    const a = await oursToReference(s.bridge, mine, s.ours, s.provider, sample(mine, perPhase, s.oursCases ?? interopCase()), s.options)
    const b = await referenceToOurs(s.bridge, theirs, s.ours, s.provider, sample(theirs, perPhase, s.referenceCases ?? interopCase()), s.options)
    expect(metaIds([...a, ...b])).toEqual(new Set([`${s.materialName}#${version}`]))
    return [a, b]
  }
  await s.store.newProvider(s.materialName)
  const [oursV0, referenceV0] = await phase(0)
  expect(await s.bridge.metaNewProvider(s.provider)).toBe(1)
  await phase(1)
  await s.store.newProvider(s.materialName)
  expect(await s.bridge.metaMaxVersion(s.provider)).toBe(2)
  await phase(2)
  return { oursV0, referenceV0 }
}

/**
 * Private helpers of the interoperability vectors runner (`pnpm test:vectors`): loading the shared vectors folder,
 * building a provider per scenario, and comparing items as FORMAT.md 10.8 says.
 */
export {
  VECTORS_ENV,
  VectorsUnavailableError,
  vectorsDir,
  readJson,
  resolveFileUri,
  uriFileName,
  fromVectorAttribute,
  fromVectorItem,
  loadEncryptedItemVectors,
  type VectorKey,
  type Scenario,
  type ScenarioKeyNames,
  type EncryptedItemVectors,
} from './load-vectors'
export { canonicalAttribute, canonicalItem, attributesEqual, differingAttributes } from './compare'
export { VECTOR_ACTIONS, vectorAction, loadPlaintext, findExpected, type ExpectedItem, type PlaintextTable } from './plaintext'
export {
  providerBuilders,
  loadKey,
  resolveKeys,
  writableKeys,
  type ProviderBuilder,
  type BuildContext,
  type ScenarioKeys,
} from './build-provider'
export { runScenario, type ScenarioReport } from './run-scenario'
export { buildMostRecent, loadMetaStoreTable } from './build-most-recent'

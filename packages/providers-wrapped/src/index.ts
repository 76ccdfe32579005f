/**
 * @ddb-encryption/providers-wrapped: materials providers that hold their keys locally. `WrappedMaterialsProvider`
 * wraps a new content key per item (FORMAT.md 7.2); `StaticMaterialsProvider` uses fixed keys (FORMAT.md 7.1).
 */
export { WrappedMaterialsProvider, type WrappedMaterialsProviderOptions } from './wrapped-materials-provider'
export {
  StaticMaterialsProvider,
  type StaticMaterialsProviderOptions,
  type StaticMaterialsProviderKeys,
} from './static-materials-provider'

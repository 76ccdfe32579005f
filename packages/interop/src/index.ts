/**
 * @ddb-encryption/interop (private): live cross-implementation tests against the Python reference
 * dynamodb-encryption-sdk 3.3.0 and the Java reference aws-dynamodb-encryption-java 2.0.3: one JSON-lines transport
 * to a bridge process for each, item generators and comparison helpers.
 */
export { JsonLinesProcess, type JsonLinesProcessOptions, type BridgeErrorInfo } from './json-lines-process'
export {
  ReferenceBridge,
  type BridgeKeySpec,
  type BridgeProviderSpec,
  type BridgeActions,
  type BridgeItemContext,
  type BridgeItemEntry,
  type BridgeItemResult,
  type BridgeTableTarget,
} from './reference-bridge'
export { JavaReference, type JavaReferenceOptions, type JavaBenchSample } from './java-reference'
export {
  PythonReference,
  HELPER_SCRIPT,
  type PythonReferenceOptions,
  type PythonErrorInfo,
  type PythonKeySpec,
  type PythonProviderSpec,
  type PythonActions,
  type PythonItemEntry,
  type PythonItemContext,
  type PythonItemResult,
  type PythonTableTarget,
} from './python-reference'
export {
  itemToJson,
  itemFromJson,
  attributeToJson,
  attributeFromJson,
  type JsonAttributeValue,
  type JsonItem,
} from './dynamodb-json'
export { canonicalItem, canonicalValue, type CanonicalValue } from './canonical-item'
export {
  character,
  unicodeString,
  attributeName,
  binary,
  numberText,
  plainSafeNumberText,
  plainDigitCount,
  longNumberText,
  javaNumberText,
  negativeZeroText,
  attributeValue,
  keyValue,
  interopCase,
  PYTHON_SAFE_DIGITS,
  DYNAMODB_MAX_DIGITS,
  MIN_ADJUSTED_EXPONENT,
  MAX_ADJUSTED_EXPONENT,
  type InteropCase,
  type InteropCaseOptions,
  type AttributeValueOptions,
} from './arbitraries'

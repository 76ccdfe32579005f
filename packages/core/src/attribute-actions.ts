import { CryptoAction, cryptoActionName, isCryptoAction } from './crypto-action'
import { InvalidArgumentError } from './errors'
import { getOwn, setOwn } from './own-property'
import { ReservedAttribute } from './wire'

/** Options for {@link AttributeActions}. */
export interface AttributeActionsOptions {
  /** Action for every attribute without an override. Default `ENCRYPT_AND_SIGN`. */
  defaultAction?: CryptoAction
  /** Per-attribute overrides by attribute name. Default none. */
  attributeActions?: Readonly<Record<string, CryptoAction>>
}

const RESERVED: ReadonlySet<string> = new Set(Object.values(ReservedAttribute))

/**
 * Which {@link CryptoAction} applies to each attribute (FORMAT.md 5.2). Attributes without an override get the
 * default action, on write and on read, so reader and writer must be configured alike.
 *
 * Instances are immutable: {@link AttributeActions.setIndexKeys} returns a new instance.
 *
 * @example
 * const actions = new AttributeActions({
 *   defaultAction: CryptoAction.ENCRYPT_AND_SIGN,
 *   attributeActions: { createdAt: CryptoAction.SIGN_ONLY, ttl: CryptoAction.DO_NOTHING },
 * })
 */
export class AttributeActions {
  readonly defaultAction: CryptoAction
  readonly attributeActions: Readonly<Record<string, CryptoAction>>
  /** True when every action, default and overrides, is DO_NOTHING: items pass through untouched. */
  readonly takeNoActions: boolean

  /**
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an unknown action or an override on a reserved attribute.
   */
  constructor(options: AttributeActionsOptions = {}) {
    const defaultAction = options.defaultAction ?? CryptoAction.ENCRYPT_AND_SIGN
    if (!isCryptoAction(defaultAction)) {
      throw new InvalidArgumentError('"defaultAction" must be a CryptoAction (0, 1 or 2)')
    }
    const overrides: Record<string, CryptoAction> = Object.create(null)
    for (const [name, action] of Object.entries(options.attributeActions ?? {})) {
      if (RESERVED.has(name)) {
        throw new InvalidArgumentError(`"${name}" is reserved for the encryptor and cannot have an action; remove it from attributeActions`)
      }
      if (!isCryptoAction(action)) {
        throw new InvalidArgumentError(`attributeActions["${name}"] must be a CryptoAction (0, 1 or 2)`)
      }
      setOwn(overrides, name, action)
    }
    this.defaultAction = defaultAction
    this.attributeActions = Object.freeze(overrides)
    this.takeNoActions = defaultAction === CryptoAction.DO_NOTHING &&
      Object.values(overrides).every((a) => a === CryptoAction.DO_NOTHING)
    Object.freeze(this)
  }

  /** The action for one attribute: its override, else the default. */
  action(attributeName: string): CryptoAction {
    // The overrides object has no prototype, so no name (`constructor`, `__proto__`) finds an inherited member.
    return this.attributeActions[attributeName] ?? this.defaultAction
  }

  /** True if `action` is the default or appears among the overrides. */
  containsAction(action: CryptoAction): boolean {
    return this.defaultAction === action || Object.values(this.attributeActions).includes(action)
  }

  /**
   * Returns new actions in which each named (index key) attribute is never encrypted: ENCRYPT_AND_SIGN becomes
   * SIGN_ONLY, SIGN_ONLY and DO_NOTHING stay (FORMAT.md 5.2). This instance is unchanged.
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if an explicit override would have to change (for example an
   * explicit ENCRYPT_AND_SIGN on a key attribute).
   */
  setIndexKeys(...attributeNames: string[]): AttributeActions {
    const overrides: Record<string, CryptoAction> = { ...this.attributeActions }
    for (const name of attributeNames) {
      if (typeof name !== 'string') throw new InvalidArgumentError('setIndexKeys: attribute names must be strings')
      const indexAction = Math.min(this.action(name), CryptoAction.SIGN_ONLY) as CryptoAction
      const explicit = getOwn(this.attributeActions, name)
      if (explicit !== undefined && explicit !== indexAction) {
        throw new InvalidArgumentError(
          `Cannot overwrite a previously requested action on indexed attribute "${name}": it is ${cryptoActionName(explicit)}, ` +
          'but key attributes must stay readable; use SIGN_ONLY or DO_NOTHING for it',
        )
      }
      setOwn(overrides, name, indexAction)
    }
    return new AttributeActions({ defaultAction: this.defaultAction, attributeActions: overrides })
  }

  /**
   * Refuses actions that would encrypt a primary key attribute (Python `CryptoConfig`).
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT naming the key attribute.
   */
  assertKeysNotEncrypted(partitionKeyName?: string, sortKeyName?: string): void {
    for (const [role, name] of [['partition', partitionKeyName], ['sort', sortKeyName]] as const) {
      if (name !== undefined && this.action(name) === CryptoAction.ENCRYPT_AND_SIGN) {
        throw new InvalidArgumentError(
          `Cannot encrypt ${role} key "${name}": key attributes must stay plaintext; ` +
          'call attributeActions.setIndexKeys(...) or give it SIGN_ONLY',
        )
      }
    }
  }
}

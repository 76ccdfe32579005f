import { copyOwnRecord, getOwn, hasOwn, setOwn } from '../../src/index'

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']

describe('own-property helpers', () => {
  it.each(NAMES)('setOwn adds %p as an own enumerable key without touching the prototype', (name) => {
    const target: Record<string, number> = {}
    setOwn(target, name, 7)
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype)
    expect(Object.keys(target)).toEqual([name])
    expect(hasOwn(target, name)).toBe(true)
    expect(getOwn(target, name)).toBe(7)
    expect(JSON.parse(JSON.stringify(target))).toEqual(JSON.parse(`{${JSON.stringify(name)}:7}`))
  })

  it.each(NAMES)('getOwn / hasOwn never report the inherited %p', (name) => {
    expect(hasOwn({}, name)).toBe(false)
    expect(getOwn({}, name)).toBeUndefined()
  })

  it('copyOwnRecord copies own entries, __proto__ included, and checks each value', () => {
    const source = JSON.parse('{"__proto__":"a","constructor":"b","x":"c"}') as object
    const copy = copyOwnRecord(source, (_key, value) => String(value).toUpperCase())
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(Object.entries(copy)).toEqual([['__proto__', 'A'], ['constructor', 'B'], ['x', 'C']])
    expect(() => copyOwnRecord({ k: 1 }, (key) => { throw new TypeError(`bad ${key}`) })).toThrow('bad k')
  })
})

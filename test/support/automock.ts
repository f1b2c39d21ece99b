/**
 * A typed fake of a class by its interface: every method of its prototype is a `jest.fn()` that
 * resolves to nothing until a test says what it answers. Nothing of the real class runs.
 */
export function automock<T extends object>(type: abstract new (...args: never[]) => T): jest.Mocked<T> {
  const fake: Record<string, jest.Mock> = {};
  for (const name of Object.getOwnPropertyNames(type.prototype)) {
    if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(type.prototype, name)?.value === 'function')
      fake[name] = jest.fn();
  }
  return fake as unknown as jest.Mocked<T>;
}

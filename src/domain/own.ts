/**
 * Look up a key a user typed in a plain object, ignoring the prototype: "constructor" or
 * "__proto__" are not facts, steps or roles.
 */
export function own<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

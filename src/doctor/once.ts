/**
 * A session's memo of reads: the first call under a key makes the read, every later call under
 * that key shares its promise, so each check that needs an answer reads the same one.
 */
export function oncePerKey(): <T>(key: string, make: () => Promise<T>) => Promise<T> {
  const made = new Map<string, Promise<unknown>>();
  return <T>(key: string, make: () => Promise<T>): Promise<T> => {
    let found = made.get(key) as Promise<T> | undefined;
    if (!found) {
      found = make();
      made.set(key, found);
    }
    return found;
  };
}

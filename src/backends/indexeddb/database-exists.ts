/**
 * Whether the database exists, without creating it (`indexedDB.open` would):
 * a dead-letter store is made on its first write, so reading the status never
 * adds a database. Where `databases()` is missing, it answers true and the
 * caller opens (and so creates) it.
 */
export async function databaseExists(databaseName: string): Promise<boolean> {
  if (typeof indexedDB.databases !== 'function') return true;
  return (await indexedDB.databases()).some((database) => database.name === databaseName);
}

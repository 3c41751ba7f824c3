/**
 * A tiny assertion kit with no dependencies, so the same test cases run in
 * Node (vitest), in pages driven by Playwright, and over WebDriver.
 */
export class CheckError extends Error {
  override name = 'CheckError';
}

export function ok(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckError(message);
}

export function equal<T>(actual: T, expected: T, message: string): void {
  if (!Object.is(actual, expected)) {
    throw new CheckError(`${message}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function deepEqual(actual: unknown, expected: unknown, message: string): void {
  const a = stable(actual);
  const b = stable(expected);
  if (a !== b) throw new CheckError(`${message}:\n  expected ${b.slice(0, 400)}\n  got      ${a.slice(0, 400)}`);
}

/** Resolves to the error the promise rejected with; fails if it resolved, or with another code. */
export async function rejects(promise: Promise<unknown>, code: string, message: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    const got = (error as { code?: unknown } | null)?.code;
    if (got !== code) throw new CheckError(`${message}: expected code ${code}, got ${String(got)} (${String(error)})`);
    return error as Error;
  }
  throw new CheckError(`${message}: expected a rejection with code ${code}, but it resolved`);
}

export function throws(run: () => unknown, code: string, message: string): Error {
  try {
    run();
  } catch (error) {
    const got = (error as { code?: unknown } | null)?.code;
    if (got !== code) throw new CheckError(`${message}: expected code ${code}, got ${String(got)} (${String(error)})`);
    return error as Error;
  }
  throw new CheckError(`${message}: expected a throw with code ${code}`);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : item,
  );
}

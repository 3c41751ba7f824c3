/** Loopback is a secure context: Web Locks, OPFS and crypto.randomUUID work there. */
export const HARNESS_PORT = Number(process.env['HARNESS_PORT'] ?? 4178);
export const HARNESS_ORIGIN = `http://127.0.0.1:${HARNESS_PORT}`;

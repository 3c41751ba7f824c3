/**
 * Loopback is a secure context: Web Locks, OPFS and crypto.randomUUID work there.
 * Pick ports Firefox does not block (it refuses 4190, 6000, 6665-6669, ...).
 */
export const HARNESS_PORT = Number(process.env['HARNESS_PORT'] ?? 4178);
export const HARNESS_ORIGIN = `http://127.0.0.1:${HARNESS_PORT}`;

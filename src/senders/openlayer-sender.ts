import { deliveryError, parseRetryAfter, type SendContext, type Sender, type SendResult } from '../core/delivery.js';
import { TraceBufferOptionError } from '../core/errors.js';
import type { BufferedTrace, JsonValue } from '../core/record.js';
import { defaultLlmConfig } from './openlayer-default-config.js';

export interface OpenlayerSenderOptions {
  /** Openlayer's API root, or your own proxy in front of it. Default `https://api.openlayer.com/v1`. */
  baseURL?: string;
  /**
   * Sent as `Authorization: Bearer <apiKey>`. Never ship a key in a public
   * page: point `baseURL` at your own endpoint that adds it server-side.
   */
  apiKey?: string;
  /** Pipeline for traces stored without one. */
  inferencePipelineId?: string;
  /** Extra request headers, e.g. your own session token for the proxy. */
  headers?: Record<string, string>;
  /** The `fetch` to use (tests, edge runtimes). Default: the global one. */
  fetch?: typeof fetch;
}

export const OPENLAYER_BASE_URL = 'https://api.openlayer.com/v1';

/** The traces of a batch that go out in one request: same pipeline, same config. */
interface RequestGroup {
  pipelineId: string;
  config: BufferedTrace['config'];
  traces: BufferedTrace[];
}

/**
 * A `send` for the buffer that posts to Openlayer's data-stream endpoint, one
 * request per (pipeline, config) pair in the batch, as Openlayer's own replay
 * posts `{ rows, config }`.
 */
export function openlayerSender(options: OpenlayerSenderOptions = {}): Sender {
  const baseURL = (optionalText(options, 'baseURL') ?? OPENLAYER_BASE_URL).replace(/\/+$/, '');
  const apiKey = optionalText(options, 'apiKey');
  const defaultPipeline = optionalText(options, 'inferencePipelineId');
  const extraHeaders = mergeHeaders(options.headers, apiKey);
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TraceBufferOptionError('fetch', options.fetch, 'a fetch function');
  }
  // Looked up per call, not captured: a page may install or wrap fetch after setup.
  const fetchFn = (input: string, init: RequestInit): Promise<Response> =>
    (options.fetch ?? globalThis.fetch)(input, init);

  return async (traces: BufferedTrace[], context?: SendContext): Promise<SendResult | undefined> => {
    const failed: NonNullable<SendResult['failed']> = [];
    const groups = new Map<string, RequestGroup>();
    for (const trace of traces) {
      const pipelineId = trace.inferencePipelineId ?? defaultPipeline;
      if (pipelineId === undefined) {
        failed.push({
          id: trace.id,
          reason: 'the trace has no inferencePipelineId and the sender has no default one',
          retryable: false,
        });
        continue;
      }
      const key = `${pipelineId}\n${JSON.stringify(trace.config)}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { pipelineId, config: trace.config, traces: [] }));
      group.traces.push(trace);
    }

    const outcomes = await Promise.allSettled(
      [...groups.values()].map((group) => postGroup(group, baseURL, apiKey, extraHeaders, fetchFn, context?.signal)),
    );
    const groupList = [...groups.values()];
    const errors: unknown[] = [];
    let retryAfterMs: number | undefined;
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return;
      const error = outcome.reason as { message?: string; details?: Record<string, unknown> };
      errors.push(outcome.reason);
      const details = error.details ?? {};
      const status = typeof details['status'] === 'number' ? details['status'] : undefined;
      const wait = details['retryAfterMs'];
      if (typeof wait === 'number') retryAfterMs = Math.max(retryAfterMs ?? 0, wait);
      for (const trace of groupList[index]!.traces) {
        const entry: NonNullable<SendResult['failed']>[number] = {
          id: trace.id,
          reason: error.message ?? String(outcome.reason),
        };
        // A status is reported as is for the delivery step to judge; only a
        // failure without one (no answer) carries its own verdict.
        if (status !== undefined) entry.status = status;
        else entry.retryable = details['retryable'] !== false;
        failed.push(entry);
      }
    });

    // Nothing delivered at all: throw the one error, so the buffer backs off by it.
    if (failed.length === traces.length && errors.length === 1 && groups.size === 1) throw errors[0];
    if (failed.length === 0) return undefined;
    const result: SendResult = { failed };
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    return result;
  };
}

async function postGroup(
  group: RequestGroup,
  baseURL: string,
  apiKey: string | undefined,
  extraHeaders: Record<string, string>,
  fetchFn: (input: string, init: RequestInit) => Promise<Response>,
  // The buffer aborts it when the batch's lease runs out or the buffer closes.
  signal: AbortSignal | undefined,
): Promise<void> {
  const rows = group.traces.map((trace) => withInferenceId(trace));
  // Names already lowercased by mergeHeaders, so ours replace the user's rather than joining them.
  const headers: Record<string, string> = {
    ...extraHeaders,
    'content-type': 'application/json',
    'idempotency-key': idempotencyKeyOf(group.traces.map((trace) => trace.id)),
  };
  if (apiKey !== undefined) headers['authorization'] = `Bearer ${apiKey}`;
  const url = `${baseURL}/inference-pipelines/${encodeURIComponent(group.pipelineId)}/data-stream`;
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ rows, config: configFor(group.config, rows) }),
      ...(signal && { signal }),
    });
  } catch (error) {
    // fetch rejects only when no answer came (offline, DNS, reset, CORS): try again later.
    throw deliveryError({
      message: `Posting to ${url} failed: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
      retryable: true,
    });
  }
  if (response.ok) {
    await discardBody(response);
    return;
  }
  const detail = await readErrorText(response);
  throw deliveryError({
    status: response.status,
    // Reported, not judged: the delivery step decides what each status means.
    retryAfterMs: retryAfterOf(response.headers),
    message: `Openlayer answered ${response.status} for ${group.traces.length} traces${detail ? `: ${detail}` : ''}`,
  });
}

/** A trace stored without a config (`{}`, refused by the API) goes out with Openlayer's default LLM one. */
function configFor(config: BufferedTrace['config'], rows: { [key: string]: JsonValue }[]): BufferedTrace['config'] {
  return Object.keys(config).length === 0 ? defaultLlmConfig(rows) : config;
}

/**
 * Openlayer dedupes rows by `inferenceId`; a row stored without one gets its
 * buffer id, so a batch sent twice (a lost answer, two tabs) is one row.
 */
function withInferenceId(trace: BufferedTrace): { [key: string]: JsonValue } {
  // Any id the row already has is the user's (a number is valid too): never rewritten.
  const inferenceId = trace.traceData['inferenceId'];
  if (inferenceId !== undefined && inferenceId !== null && inferenceId !== '') return trace.traceData;
  return { ...trace.traceData, inferenceId: trace.id };
}

/**
 * Openlayer's client (Stainless) honours `retry-after-ms` first, then
 * `Retry-After`; so do we, so a proxy that sends either is obeyed.
 */
export function retryAfterOf(headers: Headers): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  return parseRetryAfter(headers.get('retry-after'));
}

/**
 * Header names are case-insensitive, but a plain object is not: `authorization`
 * and our `Authorization` would both go out, joined into one value. Names are
 * lowercased here; two spellings of one name, or an `authorization` header
 * together with `apiKey`, are ambiguous and refused at creation.
 */
function mergeHeaders(value: unknown, apiKey: string | undefined): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceBufferOptionError('headers', value, 'an object of header names to string values');
  }
  const merged: Record<string, string> = {};
  for (const [name, text] of Object.entries(value as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    if (typeof text !== 'string') {
      throw new TraceBufferOptionError('headers', value, `a string value for header "${name}"`);
    }
    if (lower in merged) {
      throw new TraceBufferOptionError('headers', value, `one spelling of header "${lower}", not several`);
    }
    if (lower === 'authorization' && apiKey !== undefined) {
      throw new TraceBufferOptionError('headers', value, 'no authorization header when apiKey is given (use one)');
    }
    merged[lower] = text;
  }
  return merged;
}

/**
 * A key that is the same whenever the same traces are sent together (a retry
 * of the group) and differs otherwise. Derived from the buffer ids rather than
 * listing them: 50 UUIDs would be a 1.8 kB header, and a larger
 * `replayBatchSize` would pass the 8-16 kB header limits of common servers.
 * Not a security measure, so a fast non-cryptographic hash does, and it works
 * outside secure contexts where `crypto.subtle` is missing: four 32-bit FNV-1a
 * lanes with different offsets, 128 bits.
 */
export function idempotencyKeyOf(ids: string[]): string {
  const text = ids.join(',');
  const lanes = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b];
  const hex = lanes.map((offset, lane) => {
    let hash = offset ^ lane;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
      hash ^= hash >>> (13 + lane);
    }
    return (hash >>> 0).toString(16).padStart(8, '0');
  });
  return `otb-${ids.length}-${hex.join('')}`;
}

/**
 * Reads the answer to its end so the connection can be reused. The rows were
 * accepted whatever happens to the rest of the body, so a failure here changes
 * no outcome; it is still told, for whoever watches the console.
 */
async function discardBody(response: Response): Promise<void> {
  try {
    await response.arrayBuffer();
  } catch (error) {
    console.warn(
      `offline-trace-buffer: ${response.url || 'the collector'} accepted the rows, but the rest of its answer could not be read`,
      error,
    );
  }
}

/** The start of an error answer, for the message; at most 200 characters. */
async function readErrorText(response: Response): Promise<string> {
  try {
    return (await response.text()).trim().slice(0, 200);
  } catch (error) {
    return `(body unreadable: ${error instanceof Error ? error.message : String(error)})`;
  }
}

function optionalText(
  options: OpenlayerSenderOptions,
  key: 'baseURL' | 'apiKey' | 'inferencePipelineId',
): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new TraceBufferOptionError(key, value, 'a non-empty string, or nothing');
  }
  return value;
}

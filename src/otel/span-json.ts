import {
  createTraceState,
  type Attributes,
  type HrTime,
  type Link,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
} from '@opentelemetry/api';
import type { JsonValue } from '../core/record.js';

/**
 * The parts of an SDK `ReadableSpan` that exporters read. Declared here, not
 * imported from an SDK package, so this entry works with whichever trace SDK
 * line the app uses (`@opentelemetry/sdk-trace-base` 2.x or `sdk-trace` 3.x):
 * both spans fit this shape.
 */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind: SpanKind;
  readonly spanContext: () => SpanContext;
  readonly parentSpanContext?: SpanContext;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: { time: HrTime; name: string; attributes?: Attributes; droppedAttributesCount?: number }[];
  readonly duration: HrTime;
  readonly ended: boolean;
  readonly resource: { readonly attributes: Attributes; readonly schemaUrl?: string };
  readonly instrumentationScope: { readonly name: string; readonly version?: string; readonly schemaUrl?: string };
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

/** Marks a buffered record as a span, and the layout version of `span`. */
export const SPAN_FORMAT = 'otel-span/1';

type JsonObject = { [key: string]: JsonValue };

interface SpanContextJson extends JsonObject {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** Attribute values JSON cannot hold as they are: byte arrays. */
const BYTES_TAG = '$bytes';

/** A span as plain JSON: what `storeTrace` keeps under `traceData.span`. */
export function spanToJson(span: ReadableSpanLike): JsonObject {
  const json: JsonObject = {
    name: span.name,
    kind: span.kind,
    context: contextToJson(span.spanContext()),
    startTime: [...span.startTime],
    endTime: [...span.endTime],
    duration: [...span.duration],
    status: span.status.message === undefined ? { code: span.status.code } : { ...span.status },
    attributes: attributesToJson(span.attributes),
    links: span.links.map((link) => {
      const entry: JsonObject = { context: contextToJson(link.context) };
      if (link.attributes) entry['attributes'] = attributesToJson(link.attributes);
      if (link.droppedAttributesCount !== undefined) entry['droppedAttributesCount'] = link.droppedAttributesCount;
      return entry;
    }),
    events: span.events.map((event) => {
      const entry: JsonObject = { name: event.name, time: [...event.time] };
      if (event.attributes) entry['attributes'] = attributesToJson(event.attributes);
      if (event.droppedAttributesCount !== undefined) entry['droppedAttributesCount'] = event.droppedAttributesCount;
      return entry;
    }),
    resource: { attributes: attributesToJson(span.resource.attributes) },
    instrumentationScope: { name: span.instrumentationScope.name },
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
  if (span.parentSpanContext) json['parentSpanContext'] = contextToJson(span.parentSpanContext);
  if (span.resource.schemaUrl !== undefined) (json['resource'] as JsonObject)['schemaUrl'] = span.resource.schemaUrl;
  const scope = json['instrumentationScope'] as JsonObject;
  if (span.instrumentationScope.version !== undefined) scope['version'] = span.instrumentationScope.version;
  if (span.instrumentationScope.schemaUrl !== undefined) scope['schemaUrl'] = span.instrumentationScope.schemaUrl;
  return json;
}

/**
 * Rebuilds spans from their JSON forms. Spans that shared a resource share one
 * rebuilt resource object: the OTLP serialiser groups spans by resource
 * identity, so this keeps one `resourceSpans` entry per resource, as the
 * original export would have had.
 */
export function spansFromJson(forms: JsonValue[]): ReadableSpanLike[] {
  const resources = new Map<string, ReadableSpanLike['resource']>();
  return forms.map((form) => {
    const json = asObject(form, 'span');
    const resourceJson = asObject(json['resource'], 'resource');
    const resourceKey = JSON.stringify(resourceJson);
    let resource = resources.get(resourceKey);
    if (!resource) resources.set(resourceKey, (resource = rebuildResource(resourceJson)));
    return rebuildSpan(json, resource);
  });
}

function rebuildSpan(json: JsonObject, resource: ReadableSpanLike['resource']): ReadableSpanLike {
  const context = contextFromJson(json['context']);
  const scope = asObject(json['instrumentationScope'], 'instrumentationScope');
  const status = asObject(json['status'], 'status');
  const span: ReadableSpanLike = {
    name: asString(json['name'], 'name'),
    kind: asNumber(json['kind'], 'kind'),
    spanContext: () => context,
    startTime: asHrTime(json['startTime'], 'startTime'),
    endTime: asHrTime(json['endTime'], 'endTime'),
    duration: asHrTime(json['duration'], 'duration'),
    ended: true,
    status:
      typeof status['message'] === 'string'
        ? { code: asNumber(status['code'], 'status.code'), message: status['message'] }
        : { code: asNumber(status['code'], 'status.code') },
    attributes: attributesFromJson(json['attributes']),
    links: asArray(json['links'], 'links').map((item) => {
      const entry = asObject(item, 'link');
      const link: Link = { context: contextFromJson(entry['context']) };
      if (entry['attributes'] !== undefined) link.attributes = attributesFromJson(entry['attributes']);
      if (typeof entry['droppedAttributesCount'] === 'number') {
        link.droppedAttributesCount = entry['droppedAttributesCount'];
      }
      return link;
    }),
    events: asArray(json['events'], 'events').map((item) => {
      const entry = asObject(item, 'event');
      const event: ReadableSpanLike['events'][number] = {
        name: asString(entry['name'], 'event.name'),
        time: asHrTime(entry['time'], 'event.time'),
      };
      if (entry['attributes'] !== undefined) event.attributes = attributesFromJson(entry['attributes']);
      if (typeof entry['droppedAttributesCount'] === 'number') {
        event.droppedAttributesCount = entry['droppedAttributesCount'];
      }
      return event;
    }),
    resource,
    instrumentationScope: {
      name: asString(scope['name'], 'instrumentationScope.name'),
      ...(typeof scope['version'] === 'string' ? { version: scope['version'] } : {}),
      ...(typeof scope['schemaUrl'] === 'string' ? { schemaUrl: scope['schemaUrl'] } : {}),
    },
    droppedAttributesCount: asNumber(json['droppedAttributesCount'], 'droppedAttributesCount'),
    droppedEventsCount: asNumber(json['droppedEventsCount'], 'droppedEventsCount'),
    droppedLinksCount: asNumber(json['droppedLinksCount'], 'droppedLinksCount'),
  };
  if (json['parentSpanContext'] !== undefined) {
    return { ...span, parentSpanContext: contextFromJson(json['parentSpanContext']) };
  }
  return span;
}

/**
 * A resource with the SDK `Resource` methods an exporter may call. Its
 * attributes are settled: they were read when the span was first exported.
 */
function rebuildResource(json: JsonObject): ReadableSpanLike['resource'] {
  const attributes = attributesFromJson(json['attributes']);
  const schemaUrl = typeof json['schemaUrl'] === 'string' ? json['schemaUrl'] : undefined;
  const resource = {
    attributes,
    asyncAttributesPending: false,
    waitForAsyncAttributes: () => Promise.resolve(),
    getRawAttributes: () => Object.entries(attributes),
    merge(other: { attributes?: Attributes; schemaUrl?: string } | null) {
      if (!other) return resource;
      const merged = rebuildResource({ attributes: attributesToJson({ ...attributes, ...other.attributes }) });
      const mergedSchemaUrl = other.schemaUrl ?? schemaUrl;
      return mergedSchemaUrl === undefined ? merged : { ...merged, schemaUrl: mergedSchemaUrl };
    },
    ...(schemaUrl === undefined ? {} : { schemaUrl }),
  };
  return resource;
}

function contextToJson(context: SpanContext): SpanContextJson {
  const json: SpanContextJson = { traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags };
  const traceState = context.traceState?.serialize();
  if (traceState) json['traceState'] = traceState;
  if (context.isRemote !== undefined) json['isRemote'] = context.isRemote;
  return json;
}

function contextFromJson(value: JsonValue | undefined): SpanContext {
  const json = asObject(value, 'span context');
  const context: SpanContext = {
    traceId: asString(json['traceId'], 'traceId'),
    spanId: asString(json['spanId'], 'spanId'),
    traceFlags: asNumber(json['traceFlags'], 'traceFlags'),
  };
  if (typeof json['traceState'] === 'string') context.traceState = createTraceState(json['traceState']);
  if (typeof json['isRemote'] === 'boolean') context.isRemote = json['isRemote'];
  return context;
}

function attributesToJson(attributes: Attributes): JsonObject {
  const json: JsonObject = {};
  for (const [key, value] of Object.entries(attributes)) {
    // An undefined attribute is no attribute: exporters skip it too.
    if (value !== undefined) json[key] = valueToJson(value);
  }
  return json;
}

function valueToJson(value: unknown): JsonValue {
  if (value instanceof Uint8Array) return { [BYTES_TAG]: bytesToBase64(value) };
  if (Array.isArray(value)) return value.map((item) => valueToJson(item));
  if (typeof value === 'object' && value !== null) {
    const json: JsonObject = {};
    for (const [key, item] of Object.entries(value)) json[key] = valueToJson(item);
    return json;
  }
  if (value === undefined) return null;
  return value as JsonValue;
}

function attributesFromJson(value: JsonValue | undefined): Attributes {
  const json = asObject(value ?? {}, 'attributes');
  const attributes: Attributes = {};
  for (const [key, item] of Object.entries(json)) attributes[key] = valueFromJson(item);
  return attributes;
}

function valueFromJson(value: JsonValue): unknown {
  if (Array.isArray(value)) return value.map((item) => valueFromJson(item));
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    const tagged = value[BYTES_TAG];
    if (keys.length === 1 && typeof tagged === 'string') return base64ToBytes(tagged);
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = valueFromJson(value[key]!);
    return out;
  }
  return value;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function asObject(value: JsonValue | undefined, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${what} is not an object`);
  return value;
}

function asArray(value: JsonValue | undefined, what: string): JsonValue[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} is not an array`);
  return value;
}

function asString(value: JsonValue | undefined, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} is not a string`);
  return value;
}

function asNumber(value: JsonValue | undefined, what: string): number {
  if (typeof value !== 'number') throw new TypeError(`${what} is not a number`);
  return value;
}

function asHrTime(value: JsonValue | undefined, what: string): HrTime {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'number' || typeof value[1] !== 'number') {
    throw new TypeError(`${what} is not an HrTime pair`);
  }
  return [value[0], value[1]];
}

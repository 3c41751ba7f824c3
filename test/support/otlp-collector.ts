import type { IncomingMessage, ServerResponse } from 'node:http';
import { HARNESS_ORIGIN } from './harness-origin.js';
import { serveOnLoopback, type LoopbackServer } from './loopback-server.js';

/**
 * How the collector answers: `down` is a 503 with a Retry-After longer than
 * the exporter's timeout, so the exporter gives up at once instead of
 * retrying; `up` accepts; a number is that status (400, 401, ...).
 */
export type OtlpAnswer = 'down' | 'up' | number;

/**
 * A minimal OTLP/HTTP JSON collector on 127.0.0.1, for the OpenTelemetry
 * entry's tests. It records every span id it accepted, and the
 * `telemetry.sdk.version` of their resources: which SDK line made them.
 */
export class OtlpCollector {
  answer: OtlpAnswer = 'down';
  /** Span ids of accepted exports, one entry per time a span arrived. */
  readonly accepted: string[] = [];
  /** The `telemetry.sdk.version` resource attribute of every accepted span's resource. */
  readonly sdkVersions = new Set<string>();
  /** Export requests answered with anything but 200. */
  refusedRequests = 0;
  /** Every `User-Agent` seen: in Node it names the exporter and its version. */
  readonly userAgents = new Set<string>();
  private server: LoopbackServer | undefined;

  /** Starts listening; resolves with the traces endpoint. */
  async start(): Promise<string> {
    this.server = await serveOnLoopback(
      {
        'Access-Control-Allow-Origin': HARNESS_ORIGIN,
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type',
        // Let the page read Retry-After, as a real collector behind a CORS proxy would.
        'Access-Control-Expose-Headers': 'Retry-After',
      },
      (request, body, response) => this.handle(request, body, response),
    );
    return `${this.server.origin}/v1/traces`;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  private handle(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    if (request.headers['user-agent']) this.userAgents.add(request.headers['user-agent']);
    if (this.answer !== 'up') {
      this.refusedRequests++;
      if (this.answer === 'down') response.writeHead(503, { 'Retry-After': '3600' }).end();
      else response.writeHead(this.answer, { 'Content-Type': 'application/json' }).end('{"message":"refused"}');
      return;
    }
    if (!String(request.headers['content-type']).startsWith('application/json')) {
      response.writeHead(415).end();
      return;
    }
    const otlp = JSON.parse(body.toString('utf8')) as OtlpRequest;
    for (const resourceSpans of otlp.resourceSpans) {
      const version = resourceSpans.resource?.attributes?.find((a) => a.key === 'telemetry.sdk.version');
      if (version?.value.stringValue) this.sdkVersions.add(version.value.stringValue);
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) this.accepted.push(span.spanId);
      }
    }
    response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  }
}

interface OtlpRequest {
  resourceSpans: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { spanId: string }[] }[];
  }[];
}

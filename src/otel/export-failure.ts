/** The deepest `cause` chain walked: a loop of causes must not hang the exporter. */
const MAX_CAUSE_DEPTH = 8;

/**
 * The HTTP status of a failed OTLP export, when it can be learnt. The SDK
 * lines report it differently: an `OTLPExporterError` carries it in `code`,
 * some errors in `status`, and the browser fetch transport only in its
 * message ("Fetch request failed with non-retryable status 400"), sometimes
 * on a `cause`. Without a status the failure is reported as no answer.
 */
export function exportFailureStatus(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== null && current !== undefined; depth++) {
    const candidate = current as { code?: unknown; status?: unknown; message?: unknown; cause?: unknown };
    for (const value of [candidate.code, candidate.status]) {
      if (isHttpStatus(value)) return value;
    }
    if (typeof candidate.message === 'string') {
      const match = /\bstatus(?: code)?:? (\d{3})\b/i.exec(candidate.message);
      if (match && isHttpStatus(Number(match[1]))) return Number(match[1]);
    }
    current = candidate.cause;
  }
  return undefined;
}

function isHttpStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value < 600;
}

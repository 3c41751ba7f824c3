import type { CollectorState } from '../shared/collector-protocol.js';
import { element, formatTime, plural, required } from './dom.js';

/**
 * `publish` and replay send the same record, so the collector cannot be told
 * which one sent it; a trace that arrived this soon after it was made, at its
 * first try, went out live.
 */
const LIVE_WITHIN_MS = 2_000;

export function renderCollector(state: CollectorState | null, problem: string | null): void {
  const note = required('#collector-note');
  const list = required('#collector-list');
  if (!state) {
    note.textContent = problem ?? 'Loading...';
    return;
  }
  required('#collector-count').textContent = String(state.count);
  note.textContent =
    problem ??
    (state.duplicates > 0
      ? `${plural(state.duplicates, 'copy', 'copies')} of traces it already had were ignored (at-least-once delivery).`
      : 'Newest first. Traces that waited in the buffer say so.');
  list.replaceChildren(
    ...state.traces.map((trace) => {
      const prompt = typeof trace.traceData['input'] === 'string' ? trace.traceData['input'] : trace.traceId;
      const waitedMs = trace.bufferedAt === null ? 0 : trace.receivedAt - trace.bufferedAt;
      const origin =
        trace.bufferedAt === null || (trace.attempts === 0 && waitedMs < LIVE_WITHIN_MS)
          ? element('span', 'badge good', 'live')
          : element(
              'span',
              'badge warn',
              `buffered ${waited(waitedMs)}${trace.attempts > 0 ? `, ${plural(trace.attempts, 'failed try', 'failed tries')}` : ''}`,
            );
      return element(
        'li',
        '',
        element('span', 'time', formatTime(trace.receivedAt)),
        element('span', 'prompt', prompt),
        origin,
      );
    }),
  );
  if (state.traces.length === 0) list.append(element('li', 'empty', 'Nothing yet.'));
}

function waited(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

import type { BufferStatus, DropReason } from 'offline-trace-buffer';
import type { BufferMode } from './buffer-settings.js';
import { element, formatBytes, formatTime, required } from './dom.js';
import type { OfflineReadiness } from './register-service-worker.js';

export interface LastReplay {
  at: number;
  delivered: number;
  /** Traces the replay tried; unknown when another tab ran it (its `delivered` events are all we see). */
  of?: number;
  /** True when another tab ran it. */
  elsewhere: boolean;
}

export interface PanelState {
  online: boolean;
  mode: BufferMode;
  status: BufferStatus | null;
  /** Outage switch as last seen; null while the collector cannot be asked. */
  collectorOutage: boolean | null;
  /** Counted from every tab's `delivered` events since this one opened (the status's counters are per tab). */
  deliveredFromBuffer: number;
  sentLive: number;
  lastReplay: LastReplay | null;
  offlineApp: { state: OfflineReadiness; detail?: string };
}

const MODE_LABELS: Record<BufferMode, string> = { main: 'main thread', worker: 'web worker' };
const BACKEND_LABELS: Record<string, string> = { indexeddb: 'IndexedDB', memory: 'Memory', opfs: 'OPFS' };

export function renderStatusPanel(state: PanelState): void {
  const { status } = state;
  const field = (name: string, ...content: (string | Node)[]): void => {
    required(`[data-testid="${name}"]`).replaceChildren(...content);
  };

  const pill = required('#network-pill');
  pill.textContent = state.online ? 'Online' : 'Offline';
  pill.dataset['state'] = state.online ? 'online' : 'offline';
  field('network', badge(state.online ? 'good' : 'warn', state.online ? 'Online' : 'Offline'));

  if (!state.online) field('collector-state', badge('muted', 'Not reachable while offline'));
  else if (state.collectorOutage === null) field('collector-state', badge('muted', 'Checking...'));
  else if (state.collectorOutage) field('collector-state', badge('bad', 'Outage: answers 503'));
  else field('collector-state', badge('good', 'Up'));

  if (!status) {
    field('storage', 'Opening...');
    for (const name of ['buffered', 'delivered', 'dropped', 'last-error']) field(name, '');
  } else {
    const backend = BACKEND_LABELS[status.backend] ?? status.backend;
    field(
      'storage',
      `${backend} in the ${MODE_LABELS[state.mode]}`,
      status.fallbackReason
        ? element('span', 'sub warn-text', `fell back: ${status.fallbackReason}`)
        : element('span', 'sub', status.persistent ? 'survives reloads' : 'lost on reload'),
    );
    const count = element('strong', 'big', String(status.totalTraces));
    count.dataset['testid'] = 'buffered-count';
    field(
      'buffered',
      count,
      ` ${status.totalTraces === 1 ? 'trace' : 'traces'}, ${formatBytes(status.totalSizeBytes)}`,
      element('span', 'sub', `keeps at most ${status.maxBufferSize}, oldest dropped first`),
    );
    const delivered = element('strong', 'big', String(state.deliveredFromBuffer));
    delivered.dataset['testid'] = 'delivered-count';
    field(
      'delivered',
      delivered,
      ` from the buffer, ${state.sentLive} sent live`,
      element('span', 'sub', 'by all tabs since this one opened'),
    );
    field('dropped', droppedText(status.dropped));
    field(
      'last-error',
      status.lastError
        ? element(
            'span',
            'error-text',
            element('code', '', status.lastError.code),
            ` ${formatTime(status.lastError.at)}: ${status.lastError.message}`,
          )
        : 'None',
    );
  }

  const replay = state.lastReplay;
  const waiting = status !== null && status.totalTraces > 0;
  // Offline, the timer only checks the network; the replay that matters comes with `online`.
  const upcoming = !waiting
    ? null
    : !state.online
      ? 'replays when the network is back'
      : status.nextReplayAt !== null
        ? `next automatic try at ${formatTime(status.nextReplayAt)}`
        : null;
  field(
    'last-replay',
    replay
      ? `${formatTime(replay.at)}: ${replay.of === undefined ? replay.delivered : `${replay.delivered} of ${replay.of}`} delivered`
      : 'None yet',
    ...(replay?.elsewhere ? [element('span', 'sub', 'run by another tab')] : []),
    ...(upcoming !== null ? [element('span', 'sub', upcoming)] : []),
  );

  const app = state.offlineApp;
  const appText: Record<OfflineReadiness, [string, string]> = {
    ready: ['good', 'Ready: reloads work offline'],
    installing: ['muted', 'Caching the app...'],
    unsupported: ['warn', 'No service worker in this browser'],
    failed: ['bad', `Service worker failed${app.detail ? `: ${app.detail}` : ''}`],
  };
  field('offline-app', badge(...appText[app.state]));

  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) {
    radio.checked = radio.value === state.mode;
  }
  const outage = required<HTMLButtonElement>('#outage-toggle');
  outage.setAttribute('aria-pressed', String(state.collectorOutage === true));
  outage.textContent = state.collectorOutage ? 'End outage' : 'Simulate outage';
  outage.disabled = !state.online || state.collectorOutage === null;
  required<HTMLButtonElement>('#replay-now').disabled = !state.online;
}

function badge(tone: string, text: string): HTMLElement {
  return element('span', `badge ${tone}`, text);
}

function droppedText(dropped: Record<DropReason, number>): string {
  const reasons = Object.entries(dropped).filter(([, count]) => count > 0);
  if (reasons.length === 0) return 'None';
  const total = reasons.reduce((sum, [, count]) => sum + count, 0);
  return `${total}: ${reasons.map(([reason, count]) => `${count} ${reason}`).join(', ')}`;
}

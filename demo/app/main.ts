import { traceIdOf, type BufferEvent, type BufferStatus, type PublishOutcome } from 'offline-trace-buffer';
import type { CollectorState } from '../shared/collector-protocol.js';
import { DEMO_REPLAY_OPTIONS, type BufferMode } from './buffer-settings.js';
import { askModel } from './chat-model.js';
import { showExchange, type Exchange } from './chat-view.js';
import { fetchCollectorState, setCollectorOutage } from './collector-client.js';
import { renderCollector } from './collector-view.js';
import { moveBufferedTraces, openDemoBuffer, type DemoBuffer } from './demo-buffer.js';
import { required } from './dom.js';
import { readSavedMode, saveMode, watchSavedMode } from './mode-setting.js';
import { registerServiceWorker } from './register-service-worker.js';
import { renderStatusPanel, type PanelState } from './status-panel.js';

/** How often the collector view asks the collector what it has, while online. */
const COLLECTOR_POLL_MS = 2_000;
/** How often the panel rereads the status: replays end and retries get scheduled without an event. */
const STATUS_POLL_MS = 1_000;
/** Delivered events from another tab this close together count as one replay in the panel. */
const SAME_REPLAY_MS = 2_000;

const state: PanelState = {
  online: navigator.onLine,
  mode: readSavedMode(),
  status: null,
  collectorOutage: null,
  deliveredFromBuffer: 0,
  sentLive: 0,
  lastReplay: null,
  offlineApp: { state: 'installing' },
};
let collector: CollectorState | null = null;
/** Chat messages of this tab whose trace waits in the buffer, by trace id. */
const awaitingDelivery = new Map<string, Exchange>();
/**
 * Trace ids known to be in the buffer (stored by any tab, or there at start):
 * a `delivered` event for one of them is a replay, for any other a live send.
 * The buffer's own counters are per tab; these events reach every tab.
 */
const bufferedIds = new Set<string>();

const render = (): void => renderStatusPanel(state);

const onBufferError = (): void => void refreshStatus();
let current: DemoBuffer = openDemoBuffer(state.mode, onBufferError);
let unsubscribe = listenTo(current);

function listenTo(demo: DemoBuffer): () => void {
  const stop = demo.buffer.subscribe(onBufferEvent);
  demo.buffer.getBufferedTraces().then(
    (traces) => traces.forEach((trace) => bufferedIds.add(traceIdOf(trace))),
    (error: unknown) => console.error('otb-demo: cannot list the buffered traces', error),
  );
  return stop;
}

function onBufferEvent(event: BufferEvent): void {
  if (event.type === 'stored') for (const trace of event.traces) bufferedIds.add(trace.traceId);
  if (event.type === 'delivered') {
    let fromBuffer = 0;
    for (const trace of event.traces) {
      if (!bufferedIds.delete(trace.traceId)) {
        state.sentLive++;
        continue;
      }
      fromBuffer++;
      awaitingDelivery.get(trace.traceId)?.delivered();
      awaitingDelivery.delete(trace.traceId);
    }
    state.deliveredFromBuffer += fromBuffer;
    if (fromBuffer > 0 && event.remote) noteRemoteReplay(fromBuffer);
    void refreshCollector();
  }
  void refreshStatus();
}

/** Another tab's replay shows only as its `delivered` events; a replay here shows in our own status. */
function noteRemoteReplay(delivered: number): void {
  const now = Date.now();
  const previous = state.lastReplay;
  const sameReplay = previous?.elsewhere === true && now - previous.at < SAME_REPLAY_MS;
  state.lastReplay = { at: now, delivered: delivered + (sameReplay ? previous.delivered : 0), elsewhere: true };
}

function noteLocalReplay(status: BufferStatus): void {
  const replay = status.lastReplay;
  // Passes that found nothing to send, or found another tab sending, are not news.
  if (!replay || replay.skipped || replay.totalTraces === 0) return;
  if (state.lastReplay && state.lastReplay.at > replay.at) return;
  state.lastReplay = { at: replay.at, delivered: replay.successCount, of: replay.totalTraces, elsewhere: false };
}

// Only the newest status read renders: events can arrive faster than reads finish.
let statusTicket = 0;
async function refreshStatus(): Promise<void> {
  const ticket = ++statusTicket;
  const asked = current;
  try {
    const status = await asked.buffer.getBufferStatus();
    if (ticket !== statusTicket || asked !== current) return;
    state.status = status;
    noteLocalReplay(status);
    render();
  } catch (error) {
    console.error('otb-demo: cannot read the buffer status', error);
  }
}

let collectorTicket = 0;
async function refreshCollector(): Promise<void> {
  if (!navigator.onLine) {
    state.collectorOutage = null;
    renderCollector(collector, 'Offline: this is what the collector had when last seen.');
    render();
    return;
  }
  const ticket = ++collectorTicket;
  try {
    const fresh = await fetchCollectorState();
    if (ticket !== collectorTicket) return;
    collector = fresh;
    state.collectorOutage = fresh.outage;
    renderCollector(collector, null);
  } catch (error) {
    if (ticket !== collectorTicket) return;
    state.collectorOutage = null;
    renderCollector(collector, `Cannot reach the collector: ${error instanceof Error ? error.message : String(error)}`);
  }
  render();
}

/**
 * Swaps the buffer for one of the other mode. The tab whose user flipped the
 * switch moves the buffered traces across; the other tabs only follow.
 */
async function switchMode(next: BufferMode, { moveTraces }: { moveTraces: boolean }): Promise<void> {
  if (next === state.mode) return;
  const previous = current;
  unsubscribe();
  state.mode = next;
  state.status = null;
  render();
  current = openDemoBuffer(next, onBufferError);
  unsubscribe = listenTo(current);
  try {
    if (moveTraces) await moveBufferedTraces(previous.buffer, current.buffer);
    await previous.close();
  } catch (error) {
    console.error('otb-demo: switching storage failed', error);
  }
  await refreshStatus();
}

required<HTMLFormElement>('#chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = required<HTMLInputElement>('#prompt');
  const prompt = input.value.trim();
  if (prompt === '') return;
  input.value = '';
  void chat(prompt);
});

async function chat(prompt: string): Promise<void> {
  const exchange = showExchange(prompt);
  const answer = await askModel(prompt);
  exchange.answered(answer);
  const traceData = {
    inferenceId: crypto.randomUUID(),
    input: prompt,
    output: answer.text,
    model: answer.model,
    answeredBy: answer.answeredBy,
    latencyMs: answer.latencyMs,
    promptTokens: answer.promptTokens,
    completionTokens: answer.completionTokens,
    tokens: answer.promptTokens + answer.completionTokens,
    timestamp: Date.now(),
  };
  // Registered first: the delivered event can come before `publish` resolves.
  awaitingDelivery.set(traceData.inferenceId, exchange);
  let outcome: PublishOutcome;
  try {
    outcome = await current.buffer.publish(traceData);
  } catch (error) {
    awaitingDelivery.delete(traceData.inferenceId);
    exchange.traced('dropped', error instanceof Error ? error.message : String(error));
    return;
  }
  if (outcome !== 'buffered') awaitingDelivery.delete(traceData.inferenceId);
  exchange.traced(outcome, whyNotLive(outcome));
}

function whyNotLive(outcome: PublishOutcome): string | undefined {
  if (outcome === 'delivered') return undefined;
  if (outcome === 'dropped') return 'The buffer did not keep it: see Last error in the panel.';
  return navigator.onLine
    ? 'The collector did not take it now; it waits in the buffer.'
    : 'The browser is offline; it waits in the buffer.';
}

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) {
  radio.addEventListener('change', () => {
    const next: BufferMode = radio.value === 'worker' ? 'worker' : 'main';
    saveMode(next);
    void switchMode(next, { moveTraces: true });
  });
}
watchSavedMode((mode) => void switchMode(mode, { moveTraces: false }));

required('#outage-toggle').addEventListener('click', () => {
  setCollectorOutage(state.collectorOutage !== true).then(
    (outage) => {
      state.collectorOutage = outage;
      render();
      // The collector is back: retry now, not when the backoff timer says.
      if (!outage) current.buffer.notifyOnline();
    },
    (error: unknown) => console.error('otb-demo: cannot switch the outage', error),
  );
});

required('#replay-now').addEventListener('click', () => {
  current.buffer.replayBufferedTraces(DEMO_REPLAY_OPTIONS).then(
    () => void refreshStatus(),
    (error: unknown) => console.error('otb-demo: replay failed', error),
  );
});

const onConnectivity = (): void => {
  state.online = navigator.onLine;
  render();
  void refreshCollector();
};
window.addEventListener('online', onConnectivity);
window.addEventListener('offline', onConnectivity);

setInterval(() => {
  if (document.visibilityState === 'visible' && navigator.onLine) void refreshCollector();
}, COLLECTOR_POLL_MS);
setInterval(() => {
  if (document.visibilityState === 'visible') void refreshStatus();
}, STATUS_POLL_MS);

registerServiceWorker((serviceWorkerState, detail) => {
  state.offlineApp = detail === undefined ? { state: serviceWorkerState } : { state: serviceWorkerState, detail };
  render();
});

render();
void refreshStatus();
void refreshCollector();

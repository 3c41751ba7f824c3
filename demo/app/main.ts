import { randomUUID, type BufferEvent } from 'offline-trace-buffer';
import type { CollectorState } from '../shared/collector-protocol.js';
import type { BufferMode } from './buffer-settings.js';
import { askModel } from './chat-model.js';
import { showExchange, type Exchange } from './chat-view.js';
import { fetchCollectorState, setCollectorOutage } from './collector-client.js';
import { renderCollector } from './collector-view.js';
import { openDemoBuffer, type DemoBuffer } from './demo-buffer.js';
import { required } from './dom.js';
import { readSavedMode, saveMode } from './mode-setting.js';
import { publishTrace } from './publish-trace.js';
import { registerServiceWorker } from './register-service-worker.js';
import { startReplayScheduler } from './replay-scheduler.js';
import { renderStatusPanel, type PanelState } from './status-panel.js';
import { openTabSync, type TabMessage } from './tab-sync.js';

/** How often the collector view asks the collector what it has, while online. */
const COLLECTOR_POLL_MS = 2_000;

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
/** Chat messages whose trace waits in the buffer, by trace id, until the collector lists it. */
const awaitingDelivery = new Map<string, Exchange>();

const render = (): void => renderStatusPanel(state);

const tabs = openTabSync(onTabMessage);
const onBufferError = (): void => void refreshStatus();
let buffer: DemoBuffer = openDemoBuffer(state.mode, onBufferError);
let unsubscribe = buffer.subscribe(onBufferEvent);

const scheduler = startReplayScheduler({
  buffer: () => buffer,
  onReplayed(result) {
    state.lastReplay = { ...result, at: Date.now(), elsewhere: false };
    state.deliveredFromBuffer += result.successCount;
    tabs.announce({ kind: 'replayed', ...state.lastReplay });
    void refreshStatus();
    void refreshCollector();
  },
  onError: (error) => console.error('otb-demo: replay failed', error),
});

function onBufferEvent(event: BufferEvent): void {
  void refreshStatus();
  tabs.announce({ kind: 'buffer-changed' });
  if (event.type === 'delivered') void refreshCollector();
}

function onTabMessage(message: TabMessage): void {
  switch (message.kind) {
    case 'buffer-changed':
      void refreshStatus();
      break;
    case 'collector-changed':
      void refreshCollector();
      break;
    case 'mode-changed':
      void switchMode(message.mode, { moveTraces: false });
      break;
    case 'sent-live':
      state.sentLive += message.count;
      void refreshCollector();
      break;
    case 'replayed':
      state.lastReplay = { ...message, elsewhere: true };
      state.deliveredFromBuffer += message.successCount;
      void refreshStatus();
      void refreshCollector();
      break;
  }
}

// Only the newest status read renders: events can arrive faster than reads finish.
let statusTicket = 0;
async function refreshStatus(): Promise<void> {
  const ticket = ++statusTicket;
  const asked = buffer;
  try {
    const status = await asked.getBufferStatus();
    if (ticket !== statusTicket || asked !== buffer) return;
    state.status = status;
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
    for (const trace of fresh.traces) {
      awaitingDelivery.get(trace.traceId)?.delivered();
      awaitingDelivery.delete(trace.traceId);
    }
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
  const previous = buffer;
  unsubscribe();
  state.mode = next;
  state.status = null;
  render();
  buffer = openDemoBuffer(next, onBufferError);
  unsubscribe = buffer.subscribe(onBufferEvent);
  try {
    if (moveTraces) {
      for (const trace of await previous.getBufferedTraces()) {
        if (await buffer.storeTrace(trace.traceData)) await previous.removeTrace(trace.id);
      }
    }
    await previous.close();
  } catch (error) {
    console.error('otb-demo: switching storage failed', error);
  }
  await refreshStatus();
  scheduler.trigger();
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
    inferenceId: randomUUID(),
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
  const outcome = await publishTrace(buffer, traceData);
  exchange.traced(outcome);
  if (outcome.kind === 'buffered') awaitingDelivery.set(traceData.inferenceId, exchange);
  if (outcome.kind === 'sent') {
    state.sentLive++;
    render();
    tabs.announce({ kind: 'sent-live', count: 1 });
    void refreshCollector();
  }
}

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) {
  radio.addEventListener('change', () => {
    const next: BufferMode = radio.value === 'worker' ? 'worker' : 'main';
    saveMode(next);
    tabs.announce({ kind: 'mode-changed', mode: next });
    void switchMode(next, { moveTraces: true });
  });
}

required('#outage-toggle').addEventListener('click', () => {
  setCollectorOutage(state.collectorOutage !== true).then(
    (outage) => {
      state.collectorOutage = outage;
      render();
      tabs.announce({ kind: 'collector-changed' });
      if (!outage) scheduler.trigger();
    },
    (error: unknown) => console.error('otb-demo: cannot switch the outage', error),
  );
});

required('#replay-now').addEventListener('click', () => scheduler.trigger());

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

registerServiceWorker((serviceWorkerState, detail) => {
  state.offlineApp = detail === undefined ? { state: serviceWorkerState } : { state: serviceWorkerState, detail };
  render();
});

render();
void refreshStatus();
void refreshCollector();

// The README's "PWAs and service workers": the lines a service worker needs.
import { openlayerSender } from 'offline-trace-buffer';
import { replayInServiceWorker, type ServiceWorkerDrain } from 'offline-trace-buffer/service-worker';

const replay = replayInServiceWorker({
  name: 'chat',
  send: openlayerSender({ baseURL: '/openlayer-proxy', inferencePipelineId: 'YOUR_PIPELINE_ID' }),
});
export const drained: Promise<ServiceWorkerDrain> = replay.drain();
export const tag: string = replay.tag;

import { CHAT_PATH } from '../shared/collector-protocol.js';
import { completePrompt, type FakeCompletion } from '../shared/fake-model.js';

/** Past this, the page stops waiting for the server and answers itself. */
const SERVER_TIMEOUT_MS = 4_000;

export type AnsweredBy = 'server' | 'page';

export interface ChatAnswer extends FakeCompletion {
  answeredBy: AnsweredBy;
  /** Why the server did not answer, when the page did. */
  serverProblem: string | null;
  latencyMs: number;
}

/**
 * Asks the demo server's fake model, and runs the same model in the page when
 * the server cannot be reached, so chatting (and tracing) goes on offline.
 */
export async function askModel(prompt: string): Promise<ChatAnswer> {
  const started = performance.now();
  let serverProblem = 'the browser is offline';
  if (navigator.onLine) {
    try {
      const response = await fetch(CHAT_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt }),
        signal: AbortSignal.timeout(SERVER_TIMEOUT_MS),
      });
      if (response.ok) {
        const completion = (await response.json()) as FakeCompletion;
        return { ...completion, answeredBy: 'server', serverProblem: null, latencyMs: elapsed(started) };
      }
      serverProblem = `the server answered ${response.status}`;
    } catch (error) {
      // Unreachable or too slow: the answer comes from the page instead, and says why.
      serverProblem = error instanceof Error ? error.message : String(error);
    }
  }
  const completion = completePrompt(prompt);
  await new Promise((resolve) => setTimeout(resolve, completion.thinkMs));
  return { ...completion, answeredBy: 'page', serverProblem, latencyMs: elapsed(started) };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHAT_PATH } from '../shared/collector-protocol.js';
import { completePrompt } from '../shared/fake-model.js';
import { HttpError, readJson, sendJson } from './http-io.js';

/** Longest prompt the fake model takes, in characters. */
const MAX_PROMPT_CHARS = 4000;

/** `POST /api/chat { prompt }`: the fake model's answer, after its thinking time. */
export async function handleChat(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
  if (path !== CHAT_PATH || request.method !== 'POST') return false;
  const prompt = ((await readJson(request)) as { prompt?: unknown }).prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '' || prompt.length > MAX_PROMPT_CHARS) {
    throw new HttpError(400, `prompt must be a non-empty string of at most ${MAX_PROMPT_CHARS} characters`);
  }
  const completion = completePrompt(prompt);
  await sleep(completion.thinkMs);
  sendJson(response, 200, completion);
  return true;
}

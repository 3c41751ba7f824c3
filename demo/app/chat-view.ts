import type { ChatAnswer } from './chat-model.js';
import { element, required } from './dom.js';
import type { PublishOutcome } from 'offline-trace-buffer';

const TRACE_LABELS: Record<PublishOutcome, string> = {
  delivered: 'trace sent',
  buffered: 'trace buffered',
  'dead-lettered': 'trace refused (kept as a dead letter)',
  dropped: 'trace dropped',
};

/** Adds the user's message and a placeholder answer; returns the function that fills it in. */
export interface Exchange {
  answered(answer: ChatAnswer): void;
  /** `reason` says why a trace was not sent live. */
  traced(outcome: PublishOutcome, reason?: string): void;
  /** The collector has the trace that was buffered. */
  delivered(): void;
}

export function showExchange(prompt: string): Exchange {
  const list = required('#messages');
  list.querySelector('.empty')?.remove();
  const reply = element('div', 'bubble', 'Thinking...');
  const meta = element('div', 'meta');
  const item = element('li', 'message assistant pending', reply, meta);
  let traceBadge: HTMLElement | undefined;
  list.append(element('li', 'message user', element('div', 'bubble', prompt)), item);
  item.scrollIntoView({ block: 'end' });
  return {
    answered(answer) {
      item.classList.remove('pending');
      item.dataset['answeredBy'] = answer.answeredBy;
      reply.textContent = answer.text;
      const who =
        answer.answeredBy === 'server'
          ? element('span', 'badge good', 'demo server')
          : element('span', 'badge warn', 'in this page');
      if (answer.serverProblem) who.title = `The server did not answer: ${answer.serverProblem}`;
      meta.replaceChildren(
        who,
        ` ${answer.model}, ${answer.promptTokens} + ${answer.completionTokens} tokens, ${answer.latencyMs} ms`,
      );
    },
    traced(outcome, reason) {
      // 'sent' (live) stays apart from 'delivered', which marks a trace delivered later from the buffer.
      item.dataset['trace'] = outcome === 'delivered' ? 'sent' : outcome;
      const tone = outcome === 'delivered' ? 'good' : outcome === 'buffered' ? 'warn' : 'bad';
      const label = element('span', `badge ${tone}`, TRACE_LABELS[outcome]);
      if (reason) label.title = reason;
      traceBadge = label;
      meta.append(' ', label);
      item.scrollIntoView({ block: 'end' });
    },
    delivered() {
      item.dataset['trace'] = 'delivered';
      if (!traceBadge) return;
      traceBadge.className = 'badge good';
      traceBadge.textContent = 'trace delivered from the buffer';
    },
  };
}

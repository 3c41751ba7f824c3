import type { ChatAnswer } from './chat-model.js';
import { element, required } from './dom.js';
import type { PublishOutcome } from './publish-trace.js';

const TRACE_LABELS: Record<PublishOutcome['kind'], string> = {
  sent: 'trace sent',
  buffered: 'trace buffered',
  dropped: 'trace dropped',
};

/** Adds the user's message and a placeholder answer; returns the function that fills it in. */
export interface Exchange {
  answered(answer: ChatAnswer): void;
  traced(outcome: PublishOutcome): void;
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
    traced(outcome) {
      item.dataset['trace'] = outcome.kind;
      const tone = outcome.kind === 'sent' ? 'good' : outcome.kind === 'buffered' ? 'warn' : 'bad';
      const label = element('span', `badge ${tone}`, TRACE_LABELS[outcome.kind]);
      if (outcome.kind !== 'sent') label.title = outcome.reason;
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

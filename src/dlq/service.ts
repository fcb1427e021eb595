import type { DeadLetter, QueueStore } from '../queue/contract.js';
import { previewPayload } from './preview.js';

/** The dead-letter operations behind both the admin API (a running gateway) and the CLI's direct mode. */
export interface DeadLetterService {
  list(backend?: string): Promise<DeadLetter[]>;
  show(id: string): Promise<(DeadLetter & { preview: string }) | null>;
  replay(filter: { id?: string; backend?: string }): Promise<number>;
  drop(filter: { id?: string; backend?: string }): Promise<number>;
}

export function deadLetterService(store: QueueStore, afterReplay: () => void = () => undefined): DeadLetterService {
  return {
    list: (backend) => store.listDeadLetters(backend),
    async show(id) {
      const found = await store.showDeadLetter(id);
      if (!found) return null;
      const { payload, ...letter } = found;
      return { ...letter, preview: previewPayload(payload) };
    },
    async replay(filter) {
      const count = await store.replayDeadLetters(filter);
      if (count > 0) afterReplay();
      return count;
    },
    drop: (filter) => store.dropDeadLetters(filter),
  };
}

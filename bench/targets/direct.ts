import type { Target } from './target.js';

/** No proxy: the load goes straight to the origin (its "upstream connections" are then the client's). */
export const directTarget: Target = {
  id: 'direct',
  name: 'direct (no proxy)',
  answersHttp10: true,
  start: async (origin) => ({ url: origin.url, pids: () => [], roles: async () => null, stop: async () => {} }),
};

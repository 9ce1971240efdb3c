export { createRouter, newRequestId } from './router';
export type { Router } from './router';
export { handlers, topicHandlers } from './handlers';
export type { CallContext, RouterDeps } from './types';

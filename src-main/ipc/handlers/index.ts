import type { Handlers, TopicHandlers } from '../types';
import { auditHandlers, auditTopics } from './audit';
import { connectionsHandlers } from './connections';
import { statusHandlers, statusTopics } from './status';
import { shellTopics, systemHandlers, systemTopics } from './system';

/** Completeness is checked by the compiler: a channel without a handler does not type-check. */
export const handlers: Handlers = {
  ...systemHandlers,
  ...statusHandlers,
  ...connectionsHandlers,
  ...auditHandlers,
};

export const topicHandlers: TopicHandlers = {
  ...systemTopics,
  ...shellTopics,
  ...statusTopics,
  ...auditTopics,
};

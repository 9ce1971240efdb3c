import type { Handlers, TopicHandlers } from '../types';
import { auditHandlers, auditTopics } from './audit';
import { connectionsHandlers } from './connections';
import { gridHandlers, gridTopics } from './grid';
import { keysHandlers, keysTopics } from './keys';
import { telemetryHandlers, telemetryTopics } from './telemetry';
import { statusHandlers, statusTopics } from './status';
import { shellTopics, systemHandlers, systemTopics } from './system';

/** Completeness is checked by the compiler: a channel without a handler does not type-check. */
export const handlers: Handlers = {
  ...systemHandlers,
  ...statusHandlers,
  ...connectionsHandlers,
  ...auditHandlers,
  ...gridHandlers,
  ...keysHandlers,
  ...telemetryHandlers,
};

export const topicHandlers: TopicHandlers = {
  ...systemTopics,
  ...shellTopics,
  ...statusTopics,
  ...auditTopics,
  ...gridTopics,
  ...keysTopics,
  ...telemetryTopics,
};

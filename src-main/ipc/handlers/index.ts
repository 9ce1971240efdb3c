import type { Handlers, TopicHandlers } from '../types';
import { alertsHandlers, alertsTopics } from './alerts';
import { auditHandlers, auditTopics } from './audit';
import { checklistsHandlers, checklistsTopics } from './checklists';
import { connectionsHandlers } from './connections';
import { gridHandlers, gridTopics } from './grid';
import { incidentsHandlers, incidentsTopics } from './incidents';
import { keysHandlers, keysTopics } from './keys';
import { customerKeysHandlers } from './customer-keys';
import { customersHandlers } from './customers';
import { networkHandlers } from './network';
import { notifyHandlers } from './notify';
import { observabilityHandlers } from './observability';
import { telemetryHandlers, telemetryTopics } from './telemetry';
import { statusHandlers, statusTopics } from './status';
import { shellTopics, systemHandlers, systemTopics } from './system';
import { runtimesHandlers, runtimesTopics } from './runtimes';
import { routingHandlers } from './routing';
import { deploymentsHandlers, deploymentsTopics } from './deployments';
import { flagsHandlers, flagsTopics } from './flags';
import { migrationsHandlers, migrationsTopics } from './migrations';
import { membersHandlers } from './members';
import { oncallHandlers } from './oncall';
import { identityHandlers } from './identity';
import { sessionHandlers } from './session';
import { bundlesHandlers } from './bundles';
import { retentionHandlers } from './retention';
import { advisoriesHandlers } from './advisories';
import { drillsHandlers } from './drills';
import { credentialsHandlers } from './credentials';
import { usageHandlers } from './usage';
import { payoutsHandlers } from './payouts';
import { backupsHandlers } from './backups';
import { runbooksHandlers } from './runbooks';

/** Completeness is checked by the compiler: a channel without a handler does not type-check. */
export const handlers: Handlers = {
  ...systemHandlers,
  ...statusHandlers,
  ...connectionsHandlers,
  ...auditHandlers,
  ...gridHandlers,
  ...keysHandlers,
  ...customerKeysHandlers,
  ...customersHandlers,
  ...telemetryHandlers,
  ...incidentsHandlers,
  ...alertsHandlers,
  ...checklistsHandlers,
  ...observabilityHandlers,
  ...networkHandlers,
  ...notifyHandlers,
  ...runtimesHandlers,
  ...routingHandlers,
  ...deploymentsHandlers,
  ...flagsHandlers,
  ...migrationsHandlers,
  ...membersHandlers,
  ...oncallHandlers,
  ...identityHandlers,
  ...sessionHandlers,
  ...bundlesHandlers,
  ...retentionHandlers,
  ...advisoriesHandlers,
  ...drillsHandlers,
  ...credentialsHandlers,
  ...usageHandlers,
  ...payoutsHandlers,
  ...backupsHandlers,
  ...runbooksHandlers,
};

export const topicHandlers: TopicHandlers = {
  ...systemTopics,
  ...shellTopics,
  ...statusTopics,
  ...auditTopics,
  ...gridTopics,
  ...keysTopics,
  ...telemetryTopics,
  ...incidentsTopics,
  ...alertsTopics,
  ...checklistsTopics,
  ...runtimesTopics,
  ...deploymentsTopics,
  ...flagsTopics,
  ...migrationsTopics,
};

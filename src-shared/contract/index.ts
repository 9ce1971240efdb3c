import type { z } from 'zod';
import type { ChannelDef, TopicDef } from './channel';
import * as alerts from './alerts';
import * as audit from './audit';
import * as checklists from './checklists';
import * as connections from './connections';
import * as grid from './grid';
import * as incidents from './incidents';
import * as keys from './keys';
import * as customerKeys from './customer-keys';
import * as customers from './customers';
import * as network from './network';
import * as notify from './notify';
import * as observability from './observability';
import * as telemetry from './telemetry';
import * as status from './status';
import * as system from './system';
import * as runtimes from './runtimes';
import * as models from './models';
import * as sla from './sla';
import * as routing from './routing';
import * as deployments from './deployments';
import * as flags from './flags';
import * as migrations from './migrations';
import * as members from './members';
import * as oncall from './oncall';
import * as identity from './identity';
import * as session from './session';
import * as bundles from './bundles';
import * as retention from './retention';
import * as advisories from './advisories';
import * as drills from './drills';
import * as credentials from './credentials';
import * as usage from './usage';
import * as payouts from './payouts';
import * as backups from './backups';
import * as runbooks from './runbooks';

/** Every channel of the contract, by name. Adding a channel here is what makes it callable. */
export const channels = {
  [system.systemInfo.name]: system.systemInfo,
  [status.statusList.name]: status.statusList,
  [status.statusHistory.name]: status.statusHistory,
  [status.statusSetState.name]: status.statusSetState,
  [connections.connectionsList.name]: connections.connectionsList,
  [connections.connectionsSave.name]: connections.connectionsSave,
  [connections.connectionsSetOperator.name]: connections.connectionsSetOperator,
  [connections.connectionsDelete.name]: connections.connectionsDelete,
  [connections.connectionsCreateOrg.name]: connections.connectionsCreateOrg,
  [connections.connectionsTest.name]: connections.connectionsTest,
  [connections.connectionsActivate.name]: connections.connectionsActivate,
  [connections.connectionsStatus.name]: connections.connectionsStatus,
  [audit.auditList.name]: audit.auditList,
  [audit.auditVerify.name]: audit.auditVerify,
  [audit.auditExport.name]: audit.auditExport,
  [grid.gridOverview.name]: grid.gridOverview,
  [grid.gridCreateCorridor.name]: grid.gridCreateCorridor,
  [grid.gridUpdatePolicy.name]: grid.gridUpdatePolicy,
  [grid.gridCreateSite.name]: grid.gridCreateSite,
  [grid.gridSetSiteSafety.name]: grid.gridSetSiteSafety,
  [grid.gridCreateNodeGroup.name]: grid.gridCreateNodeGroup,
  [grid.nodesList.name]: grid.nodesList,
  [grid.nodesGet.name]: grid.nodesGet,
  [grid.nodesTelemetry.name]: grid.nodesTelemetry,
  [grid.nodesRegister.name]: grid.nodesRegister,
  [grid.nodesTransition.name]: grid.nodesTransition,
  [keys.keysList.name]: keys.keysList,
  [keys.keysIssue.name]: keys.keysIssue,
  [keys.keysRotate.name]: keys.keysRotate,
  [keys.keysRevoke.name]: keys.keysRevoke,
  [customerKeys.customerKeysList.name]: customerKeys.customerKeysList,
  [customerKeys.customerKeysIssue.name]: customerKeys.customerKeysIssue,
  [customerKeys.customerKeysRotate.name]: customerKeys.customerKeysRotate,
  [customerKeys.customerKeysRevoke.name]: customerKeys.customerKeysRevoke,
  [customers.customersList.name]: customers.customersList,
  [customers.customersGet.name]: customers.customersGet,
  [customers.customersSave.name]: customers.customersSave,
  [customers.customersOrgLimit.name]: customers.customersOrgLimit,
  [customers.customersSetOrgLimit.name]: customers.customersSetOrgLimit,
  [telemetry.telemetryValidate.name]: telemetry.telemetryValidate,
  [telemetry.telemetrySettings.name]: telemetry.telemetrySettings,
  [telemetry.evidenceList.name]: telemetry.evidenceList,
  [telemetry.evidencePilot.name]: telemetry.evidencePilot,
  [telemetry.telemetryDeadLetters.name]: telemetry.telemetryDeadLetters,
  [telemetry.telemetryResolveDeadLetters.name]: telemetry.telemetryResolveDeadLetters,
  [retention.retentionMatrix.name]: retention.retentionMatrix,
  [incidents.orgMembers.name]: incidents.orgMembers,
  [incidents.incidentsList.name]: incidents.incidentsList,
  [incidents.incidentsGet.name]: incidents.incidentsGet,
  [incidents.incidentsCreate.name]: incidents.incidentsCreate,
  [incidents.incidentsAcknowledge.name]: incidents.incidentsAcknowledge,
  [incidents.incidentsTransition.name]: incidents.incidentsTransition,
  [incidents.incidentsMerge.name]: incidents.incidentsMerge,
  [incidents.incidentsAddNote.name]: incidents.incidentsAddNote,
  [incidents.incidentsSetSeverity.name]: incidents.incidentsSetSeverity,
  [incidents.incidentsTakeCommand.name]: incidents.incidentsTakeCommand,
  [incidents.incidentsHandOver.name]: incidents.incidentsHandOver,
  [incidents.incidentsSetAffected.name]: incidents.incidentsSetAffected,
  [incidents.incidentsLinkAlert.name]: incidents.incidentsLinkAlert,
  [incidents.incidentsDrainPlan.name]: incidents.incidentsDrainPlan,
  [incidents.incidentsDrain.name]: incidents.incidentsDrain,
  [incidents.incidentsRestore.name]: incidents.incidentsRestore,
  [incidents.incidentsSetPolicy.name]: incidents.incidentsSetPolicy,
  [incidents.incidentsSaveReview.name]: incidents.incidentsSaveReview,
  [incidents.incidentsNotifications.name]: incidents.incidentsNotifications,
  [incidents.escalationList.name]: incidents.escalationList,
  [incidents.escalationSave.name]: incidents.escalationSave,
  [incidents.escalationDelete.name]: incidents.escalationDelete,
  [alerts.alertsList.name]: alerts.alertsList,
  [alerts.alertsHistory.name]: alerts.alertsHistory,
  [alerts.alertsSaveRule.name]: alerts.alertsSaveRule,
  [alerts.alertsDeleteRule.name]: alerts.alertsDeleteRule,
  [checklists.checklistsTemplates.name]: checklists.checklistsTemplates,
  [checklists.checklistsList.name]: checklists.checklistsList,
  [checklists.checklistsGet.name]: checklists.checklistsGet,
  [checklists.checklistsStart.name]: checklists.checklistsStart,
  [checklists.checklistsSetItem.name]: checklists.checklistsSetItem,
  [checklists.checklistsSetOwner.name]: checklists.checklistsSetOwner,
  [checklists.readinessOverview.name]: checklists.readinessOverview,
  [checklists.readinessCreatePilot.name]: checklists.readinessCreatePilot,
  [checklists.readinessPrepare.name]: checklists.readinessPrepare,
  [checklists.readinessSet.name]: checklists.readinessSet,
  [observability.observabilityOverview.name]: observability.observabilityOverview,
  [observability.observabilitySeries.name]: observability.observabilitySeries,
  [observability.observabilityDrilldown.name]: observability.observabilityDrilldown,
  [observability.observabilitySetEnergyTarget.name]: observability.observabilitySetEnergyTarget,
  [observability.operatorSummary.name]: observability.operatorSummary,
  [observability.observabilityGateway.name]: observability.observabilityGateway,
  [network.networkOverlay.name]: network.networkOverlay,
  [network.networkSite.name]: network.networkSite,
  [notify.notifyChannels.name]: notify.notifyChannels,
  [notify.notifyAddChannel.name]: notify.notifyAddChannel,
  [notify.notifyRemoveChannel.name]: notify.notifyRemoveChannel,
  [notify.notifyDeliveries.name]: notify.notifyDeliveries,
  [runtimes.runtimesList.name]: runtimes.runtimesList,
  [runtimes.runtimesConnect.name]: runtimes.runtimesConnect,
  [runtimes.runtimesProbe.name]: runtimes.runtimesProbe,
  [models.modelsList.name]: models.modelsList,
  [models.modelsOpenAi.name]: models.modelsOpenAi,
  [models.modelsSetMeta.name]: models.modelsSetMeta,
  [sla.slaList.name]: sla.slaList,
  [sla.slaSavePolicy.name]: sla.slaSavePolicy,
  [sla.slaSetTierPolicy.name]: sla.slaSetTierPolicy,
  [sla.slaInstallDefaults.name]: sla.slaInstallDefaults,
  [sla.slaSaveCustomer.name]: sla.slaSaveCustomer,
  [routing.routingSimulate.name]: routing.routingSimulate,
  [routing.routingWhatIf.name]: routing.routingWhatIf,
  [routing.routingDecisions.name]: routing.routingDecisions,
  [routing.routingReplay.name]: routing.routingReplay,
  [deployments.deploymentsList.name]: deployments.deploymentsList,
  [deployments.deploymentsCreate.name]: deployments.deploymentsCreate,
  [deployments.deploymentsStart.name]: deployments.deploymentsStart,
  [deployments.deploymentsAdvance.name]: deployments.deploymentsAdvance,
  [deployments.deploymentsFinish.name]: deployments.deploymentsFinish,
  [deployments.deploymentsAttachEvidence.name]: deployments.deploymentsAttachEvidence,
  [deployments.deploymentsLink.name]: deployments.deploymentsLink,
  [flags.flagsList.name]: flags.flagsList,
  [flags.flagsSave.name]: flags.flagsSave,
  [flags.flagsDelete.name]: flags.flagsDelete,
  [flags.flagsAttachEvidence.name]: flags.flagsAttachEvidence,
  [migrations.migrationsOverview.name]: migrations.migrationsOverview,
  [migrations.migrationsCheck.name]: migrations.migrationsCheck,
  [migrations.migrationsApprove.name]: migrations.migrationsApprove,
  [migrations.migrationsApply.name]: migrations.migrationsApply,
  [migrations.schemaVerify.name]: migrations.schemaVerify,
  [migrations.migrationsAttachEvidence.name]: migrations.migrationsAttachEvidence,
  [migrations.migrationsTypes.name]: migrations.migrationsTypes,
  [members.membersList.name]: members.membersList,
  [members.membersSetRole.name]: members.membersSetRole,
  [members.membersSuspend.name]: members.membersSuspend,
  [members.membersReinstate.name]: members.membersReinstate,
  [members.membersRemove.name]: members.membersRemove,
  [members.membersAccessReview.name]: members.membersAccessReview,
  [audit.auditExportCheckpoints.name]: audit.auditExportCheckpoints,
  [audit.auditRotateKey.name]: audit.auditRotateKey,
  [audit.auditImportWitness.name]: audit.auditImportWitness,
  [oncall.oncallList.name]: oncall.oncallList,
  [oncall.oncallAdd.name]: oncall.oncallAdd,
  [oncall.oncallRemove.name]: oncall.oncallRemove,
  [identity.identityProviderGet.name]: identity.identityProviderGet,
  [identity.identityProviderSet.name]: identity.identityProviderSet,
  [identity.identitySignInStart.name]: identity.identitySignInStart,
  [identity.identitySignInFinish.name]: identity.identitySignInFinish,
  [identity.identitySignInCancel.name]: identity.identitySignInCancel,
  [identity.invitationsList.name]: identity.invitationsList,
  [identity.invitationsCreate.name]: identity.invitationsCreate,
  [identity.invitationsWithdraw.name]: identity.invitationsWithdraw,
  [identity.invitationsAcceptAsOsUser.name]: identity.invitationsAcceptAsOsUser,
  [session.sessionState.name]: session.sessionState,
  [session.sessionSetPolicy.name]: session.sessionSetPolicy,
  [session.sessionActivity.name]: session.sessionActivity,
  [session.sessionLock.name]: session.sessionLock,
  [session.sessionUnlock.name]: session.sessionUnlock,
  [session.sessionHandover.name]: session.sessionHandover,
  [bundles.bundlesExport.name]: bundles.bundlesExport,
  [bundles.bundlesProgress.name]: bundles.bundlesProgress,
  [bundles.bundlesCancel.name]: bundles.bundlesCancel,
  [bundles.bundlesOpenChunk.name]: bundles.bundlesOpenChunk,
  [bundles.bundlesOpen.name]: bundles.bundlesOpen,
  [bundles.bundlesOpenCancel.name]: bundles.bundlesOpenCancel,
  [advisories.advisoriesList.name]: advisories.advisoriesList,
  [advisories.advisoriesScan.name]: advisories.advisoriesScan,
  [advisories.advisoriesAcknowledge.name]: advisories.advisoriesAcknowledge,
  [advisories.advisoriesOpenIncident.name]: advisories.advisoriesOpenIncident,
  [advisories.advisoriesSaveThresholds.name]: advisories.advisoriesSaveThresholds,
  [advisories.advisoriesOfIncident.name]: advisories.advisoriesOfIncident,
  [drills.drillsList.name]: drills.drillsList,
  [drills.drillsGet.name]: drills.drillsGet,
  [drills.drillsOptions.name]: drills.drillsOptions,
  [drills.drillsCreate.name]: drills.drillsCreate,
  [drills.drillsStart.name]: drills.drillsStart,
  [drills.drillsRunStep.name]: drills.drillsRunStep,
  [drills.drillsStop.name]: drills.drillsStop,
  [drills.drillsComplete.name]: drills.drillsComplete,
  [runbooks.runbooksList.name]: runbooks.runbooksList,
  [runbooks.runbooksGet.name]: runbooks.runbooksGet,
  [runbooks.runbooksFacts.name]: runbooks.runbooksFacts,
  [runbooks.runbooksSave.name]: runbooks.runbooksSave,
  [runbooks.runbooksRestore.name]: runbooks.runbooksRestore,
  [runbooks.runbooksRuns.name]: runbooks.runbooksRuns,
  [runbooks.runbooksFollow.name]: runbooks.runbooksFollow,
  [runbooks.runbooksRecordStep.name]: runbooks.runbooksRecordStep,
  [usage.usageSummary.name]: usage.usageSummary,
  [usage.usageReconcile.name]: usage.usageReconcile,
  [usage.usageReconciliations.name]: usage.usageReconciliations,
  [usage.usageReconciliation.name]: usage.usageReconciliation,
  [payouts.payoutsEstimate.name]: payouts.payoutsEstimate,
  [payouts.payoutsRateCards.name]: payouts.payoutsRateCards,
  [payouts.payoutsSaveRateCard.name]: payouts.payoutsSaveRateCard,
  [backups.backupsOverview.name]: backups.backupsOverview,
  [backups.backupsRun.name]: backups.backupsRun,
  [backups.backupsDrill.name]: backups.backupsDrill,
  [backups.backupsRestore.name]: backups.backupsRestore,
  [backups.backupsProgress.name]: backups.backupsProgress,
  [backups.backupsCancel.name]: backups.backupsCancel,
  [backups.backupsSetSchedule.name]: backups.backupsSetSchedule,
  [credentials.credentialsList.name]: credentials.credentialsList,
  [credentials.credentialsRun.name]: credentials.credentialsRun,
  [credentials.credentialsStart.name]: credentials.credentialsStart,
  [credentials.credentialsStep.name]: credentials.credentialsStep,
  [credentials.credentialsCancel.name]: credentials.credentialsCancel,
  [credentials.credentialsResume.name]: credentials.credentialsResume,
  [credentials.credentialsClose.name]: credentials.credentialsClose,
  [credentials.credentialsReveal.name]: credentials.credentialsReveal,
} as const satisfies Record<string, ChannelDef>;

export const topics = {
  [system.systemChanged.name]: system.systemChanged,
  [system.shellAction.name]: system.shellAction,
  [status.statusChanged.name]: status.statusChanged,
  [audit.auditAppended.name]: audit.auditAppended,
  [grid.nodesChanged.name]: grid.nodesChanged,
  [grid.sitesChanged.name]: grid.sitesChanged,
  [keys.keysChanged.name]: keys.keysChanged,
  [telemetry.evidenceChanged.name]: telemetry.evidenceChanged,
  [incidents.incidentsChanged.name]: incidents.incidentsChanged,
  [incidents.escalationNotified.name]: incidents.escalationNotified,
  [incidents.escalationChanged.name]: incidents.escalationChanged,
  [alerts.alertsChanged.name]: alerts.alertsChanged,
  [checklists.checklistsChanged.name]: checklists.checklistsChanged,
  [checklists.readinessChanged.name]: checklists.readinessChanged,
  [runtimes.runtimesChanged.name]: runtimes.runtimesChanged,
  [deployments.deploymentsChanged.name]: deployments.deploymentsChanged,
  [flags.flagsChanged.name]: flags.flagsChanged,
  [migrations.migrationsChanged.name]: migrations.migrationsChanged,
} as const satisfies Record<string, TopicDef>;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type Topics = typeof topics;
export type TopicName = keyof Topics;

/** What a caller sends (defaults not yet applied) and what a handler receives (after parsing). */
export type RequestIn<N extends ChannelName> = z.input<Channels[N]['request']>;
export type Request<N extends ChannelName> = z.output<Channels[N]['request']>;
export type Response<N extends ChannelName> = z.output<Channels[N]['response']>;
export type TopicParams<T extends TopicName> = z.input<Topics[T]['params']>;
export type TopicEvent<T extends TopicName> = z.output<Topics[T]['event']>;

export const CHANNEL_NAMES = Object.keys(channels) as ChannelName[];
export const TOPIC_NAMES = Object.keys(topics) as TopicName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}
export function isTopicName(name: unknown): name is TopicName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(topics, name);
}

export * from './errors';
export * from './roles';
export type { ChannelDef, CommandDef, QueryDef, TopicDef } from './channel';
export * as alertsContract from './alerts';
export * as auditContract from './audit';
export * as checklistsContract from './checklists';
export * as incidentsContract from './incidents';
export * as observabilityContract from './observability';
export * as connectionsContract from './connections';
export * as gridContract from './grid';
export * as keysContract from './keys';
export * as customerKeysContract from './customer-keys';
export * as customersContract from './customers';
export * as networkContract from './network';
export * as telemetryContract from './telemetry';
export * as statusContract from './status';
export * as systemContract from './system';
export * as runtimesContract from './runtimes';
export * as modelsContract from './models';
export * as slaContract from './sla';
export * as routingContract from './routing';
export * as deploymentsContract from './deployments';
export * as flagsContract from './flags';
export * as migrationsContract from './migrations';
export * as membersContract from './members';
export * as oncallContract from './oncall';
export * as identityContract from './identity';
export * as sessionContract from './session';

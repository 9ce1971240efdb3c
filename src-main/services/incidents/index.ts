export { handOver, takeCommand } from './command';
export { notificationsSince, runEscalation } from './escalation';
export { acknowledge, addNote, createIncident, merge, setSeverity, transition } from './lifecycle';
export type { NewIncident, TransitionInput } from './lifecycle';
export { addAffected, linkAlert, namesOf, setAffected, setPolicy, subjectKindOf } from './links';
export { deletePolicy, installDefaultPolicy, listPolicies, savePolicy } from './policies';
export { blockingIncidents, getIncident, incidentsAffectingSite, listIncidents } from './read';
export { saveReview } from './review';
export { appendTimeline } from './timeline';

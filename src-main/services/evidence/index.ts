export { listEvidence, recordEvidence } from './records';

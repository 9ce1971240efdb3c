export { lastBackupStatus, type BackupStatus } from './backup-seam';
export { CHECKS, type Finding } from './checks';
export { acknowledgeAdvisory, openIncidentFromAdvisory } from './commands';
export { advisoriesOfIncident, getAdvisory, lastScan, listAdvisories, openAdvisoryCount, scanById } from './read';
export { runScan, type ScanOptions, type ScanResult } from './scan';
// The key's age is the anchor module's reading, shared with Credentials.
export { checkpointKeyAge } from '../audit/anchor/key-age';
export { readThresholds, saveThresholds, thresholdsOf } from './thresholds';

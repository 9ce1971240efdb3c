export { lastBackupStatus, type BackupStatus } from './backup-seam';
export { CHECKS, type Finding } from './checks';
export { acknowledgeAdvisory, openIncidentFromAdvisory } from './commands';
export { advisoriesOfIncident, getAdvisory, lastScan, listAdvisories, openAdvisoryCount, scanById } from './read';
export { runScan, type ScanOptions, type ScanResult } from './scan';
export { checkpointKeyAge } from './signing-key';
export { readThresholds, saveThresholds, thresholdsOf } from './thresholds';

export { applyRun, approveRun, checkFile } from './center';
export type { TargetDatabase } from './center';
export { listMigrationRuns } from './runs';
export { attachMigrationEvidence } from './evidence';
export { expectedTables, verifySchema } from './verify';
export { lintSql } from './lint';
export { splitStatements } from './statements';
export { decodeSqlFile } from './file';
export { migrationsOverview } from './overview';

export { deleteFlag, flagSettings, listFlags, saveFlag } from './flags';
export { FlagReader } from './reader';
export type { FlagReaderOptions } from './reader';
export { attachFlagEvidence } from './evidence';

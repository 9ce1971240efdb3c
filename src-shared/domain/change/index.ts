export * from './canary';
export * from './dora';
export * from './flags';

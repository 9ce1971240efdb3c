export { drillOptions, getDrill, listDrills } from './read';
export { completeDrill, createDrill, MAX_DRAIN_NODES, runStep, startDrill, stopDrill } from './run';
export type { NewDrill } from './run';
export { resolveScope } from './scope';

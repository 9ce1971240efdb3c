export { createCorridor, updatePolicy } from './corridors';
export { getNode, listNodes, registerNode, transitionNode } from './nodes';
export type { NewNode } from './nodes';
export { getCorridor, getSite, gridOverview } from './overview';
export { createNodeGroup, createSite, setSiteSafety } from './sites';
export type { NewSite } from './sites';
export { DEFAULT_DEMO_NODES, demoGrid, demoNode, demoSite, NODES_PER_SITE, provisionDemoGrid } from './demo-grid';
export { BLOCKED_EVERYWHERE, DEMO_CORRIDORS } from './demo-geography';

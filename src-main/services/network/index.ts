export { networkOverlay } from './overlay';
export { siteDetail, siteSeries } from './site';

export { VIEWS as ROUTES } from '../../src-shared/navigation';
export type { ViewId as RouteId } from '../../src-shared/navigation';

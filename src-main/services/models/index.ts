export { listCatalog, setModelMeta } from './catalog';

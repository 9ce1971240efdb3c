export { componentHistory, getComponent, listComponents, setComponentState } from './components';

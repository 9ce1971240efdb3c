export { connectRuntime, createRuntimeClient, detectKind } from './client';
export { RuntimeError, type RuntimeFault } from './errors';
export { checkRuntimeUrl, type OwnEndpoints } from './url-guard';
export { RUNTIME_KINDS, type ProbeResult, type RuntimeClient, type RuntimeEndpoint, type RuntimeKind, type ServedModel } from './types';

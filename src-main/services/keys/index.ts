export { deriveNodeKey, generateNodeKey, hashKey } from './generate';
export type { GeneratedKey } from './generate';
export { getKey, insertKey, issueKey, keysOfNode, listKeys, revokeKey, rotateKey, STILL_USED_WINDOW_HOURS, VALID_KEY_SQL } from './keys';

export { DEFAULT_SERVICE, KeychainUnavailableError, KeyringVault } from './keychain';
export type { KeychainStatus, Vault } from './keychain';

export { DEFAULT_SERVICE, KeychainUnavailableError, KeyringVault } from './keychain';
export type { KeychainStatus, Vault } from './keychain';
export { DataFolderFallbackVault, FALLBACK_FILE, isEmbeddedAccount } from './data-folder-fallback';

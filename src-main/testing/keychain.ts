import { KeyringVault } from '../vault';

/** Tests keep their entries under their own service name, apart from a real installation's. */
export const TEST_SERVICE = 'UmamiEdge Mission Control (test)';

export function testVault(): KeyringVault {
  return new KeyringVault(TEST_SERVICE);
}

let probed: Promise<{ available: boolean; message: string | null }> | null = null;

export function keychainStatus(): Promise<{ available: boolean; message: string | null }> {
  probed ??= testVault().status();
  return probed;
}

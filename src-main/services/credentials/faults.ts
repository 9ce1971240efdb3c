import type { CredentialKind } from '../../../src-shared/contract/credentials';

/**
 * A named point where a rotation can be made to fail, for the tests that prove a run stopped
 * part-way leaves every credential usable and resumes where it stopped. Nothing in the app sets
 * it; `after-new` is after the new credential exists and before it is verified or the old retired.
 */
export type FaultPoint = `${CredentialKind}:after-new`;

const armed = new Set<FaultPoint>();

export const rotationFaults = {
  arm(point: FaultPoint): void {
    armed.add(point);
  },
  clear(): void {
    armed.clear();
  },
  /** Throws once the point is armed (it stays armed until cleared: a resume before clearing fails again). */
  hit(point: FaultPoint): void {
    if (armed.has(point)) throw new Error(`injected failure at ${point}`);
  },
};

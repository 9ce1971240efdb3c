/**
 * Feature flags and kill switches, evaluated the same way by every reader (the app, the gateway).
 * A flag may be set for the whole org, a corridor or a customer; the most specific setting that
 * matches wins (customer, then corridor, then org). A flag that cannot be read (the store is
 * unreachable, or nobody set it) gives the caller's safe default: a kill switch fails safe.
 */
export type FlagScopeKind = 'org' | 'corridor' | 'customer';

export interface FlagSetting {
  key: string;
  scopeKind: FlagScopeKind;
  scopeId: string | null;
  enabled: boolean;
  safeDefault: boolean;
}

export interface FlagContext {
  corridorId?: string | null;
  customerId?: string | null;
}

export type FlagSource = 'customer' | 'corridor' | 'org' | 'safe-default';

export interface FlagValue {
  enabled: boolean;
  source: FlagSource;
}

export const FLAG_KEY_PATTERN = /^[a-z0-9][a-z0-9_.-]{1,62}$/;

/**
 * `settings` is null when the flags could not be read at all. `safeDefault` is the caller's own
 * safe side; a flag that was read carries its own, which wins for its unmatched scopes.
 */
export function evaluateFlag(settings: readonly FlagSetting[] | null, key: string, ctx: FlagContext, safeDefault: boolean): FlagValue {
  if (settings === null) return { enabled: safeDefault, source: 'safe-default' };
  const mine = settings.filter((s) => s.key === key);
  const pick = (kind: FlagScopeKind, id: string | null | undefined) =>
    kind === 'org' ? mine.find((s) => s.scopeKind === 'org') : id ? mine.find((s) => s.scopeKind === kind && s.scopeId === id) : undefined;
  const hit = pick('customer', ctx.customerId) ?? pick('corridor', ctx.corridorId) ?? pick('org', null);
  if (hit) return { enabled: hit.enabled, source: hit.scopeKind };
  const declared = mine[0];
  return { enabled: declared ? declared.safeDefault : safeDefault, source: 'safe-default' };
}

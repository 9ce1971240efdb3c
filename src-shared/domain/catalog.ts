/**
 * The model catalog as an OpenAI-compatible list ({"object":"list","data":[…]}, OpenAI API
 * reference "List models"): one shared function, so the Models view and the gateway's
 * /api/v1/models say the same thing. Our fields travel under their own name, never inside
 * OpenAI's.
 */
import type { CatalogEntry } from '../contract/models';

export const CATALOG_OWNER = 'umamiedge';

export function catalogAsOpenAi(entries: readonly CatalogEntry[], opts: { onlyAvailable?: boolean; tier?: CatalogEntry['allowedTiers'][number] } = {}) {
  const data = entries
    .filter((e) => (opts.onlyAvailable ? e.availability !== 'unavailable' : true))
    .filter((e) => (opts.tier ? e.allowedTiers.includes(opts.tier) : true))
    .map((e) => ({
      id: e.id,
      object: 'model' as const,
      // Deterministic: the time the catalog first saw it is not kept; 0 says "unknown" as the spec allows an integer.
      created: e.lastSeenAt ? Math.floor(Date.parse(e.lastSeenAt) / 1000) : 0,
      owned_by: CATALOG_OWNER,
      umamiedge: {
        display_name: e.displayName,
        family: e.family,
        parameter_size: e.parameterSize,
        quantizations: e.quantizations,
        context_length: e.contextLength,
        capabilities: e.capabilities,
        allowed_tiers: e.allowedTiers,
        regulated_ok: e.regulatedOk,
        described: e.described,
        corridors: e.corridors,
        availability: e.availability,
      },
    }));
  return { object: 'list' as const, data };
}

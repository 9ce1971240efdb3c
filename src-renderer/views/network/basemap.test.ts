import { describe, expect, it } from 'vitest';
import { coordinatesMatchCountry } from '../../../src-shared/domain/geo';
import { countryShapes } from './basemap';

describe('on the bundled Natural Earth outlines', () => {
  const world = countryShapes();

  it('puts real sites in their countries, ports and small states included', () => {
    for (const [iso, lon, lat] of [
      ['DE', 8.68, 50.11], // Frankfurt
      ['SG', 103.82, 1.35], // Singapore (from the 1:50m set)
      ['IN', 72.88, 19.08], // Mumbai, on the coast
      ['ZA', 28.05, -26.2], // Johannesburg
      ['US', -122.42, 37.77], // San Francisco
      ['FJ', -179.9, -16.6], // east of the antimeridian
    ] as const) {
      expect(coordinatesMatchCountry(world, iso, lon, lat), iso).toMatchObject({ known: true, ok: true });
    }
  });

  it('catches a Singapore site given Paris’s coordinates, naming where they are', () => {
    const r = coordinatesMatchCountry(world, 'SG', 2.35, 48.86);
    expect(r).toMatchObject({ known: true, ok: false });
    expect(r.actual?.iso).toBe('FR');
  });
});

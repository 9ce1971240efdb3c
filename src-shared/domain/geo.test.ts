import { describe, expect, it } from 'vitest';
import { coordinatesMatchCountry, countryAt, type CountryShape } from './geo';

const square = (iso: string, x0: number, y0: number, x1: number, y1: number, hole?: number[][]): CountryShape => ({
  iso,
  name: iso,
  polygons: [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], ...(hole ? [hole] : [])]],
});

describe('where a point lies', () => {
  const shapes = [square('AA', 0, 0, 10, 10, [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]), square('BB', 10, 0, 20, 10)];

  it('finds the country containing a point, minding holes', () => {
    expect(countryAt(shapes, 2, 2)?.iso).toBe('AA');
    expect(countryAt(shapes, 5, 5)).toBeNull();
    expect(countryAt(shapes, 15, 5)?.iso).toBe('BB');
    expect(countryAt(shapes, 50, 50)).toBeNull();
  });

  it('accepts the named country, a point just off its coast, and a point on a border', () => {
    expect(coordinatesMatchCountry(shapes, 'AA', 2, 2)).toMatchObject({ known: true, ok: true });
    expect(coordinatesMatchCountry(shapes, 'AA', -0.5, 2)).toMatchObject({ known: true, ok: true, actual: null });
    expect(coordinatesMatchCountry(shapes, 'AA', 10.3, 5)).toMatchObject({ known: true, ok: true });
  });

  it('refuses a point far inside another country or far out at sea', () => {
    expect(coordinatesMatchCountry(shapes, 'AA', 17, 5)).toMatchObject({ known: true, ok: false, actual: { iso: 'BB' } });
    expect(coordinatesMatchCountry(shapes, 'AA', -5, 2)).toMatchObject({ known: true, ok: false, actual: null });
  });

  it('says nothing about a code the basemap has no outline for', () => {
    expect(coordinatesMatchCountry(shapes, 'ZZ', 2, 2)).toMatchObject({ known: false, ok: true });
  });
});

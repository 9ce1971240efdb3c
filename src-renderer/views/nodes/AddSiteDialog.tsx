import { useEffect, useState } from 'react';
import type { Response } from '../../../src-shared/contract';
import { SITE_KIND_LABELS, SITE_KINDS } from '../../../src-shared/contract/grid';
import { coordinatesMatchCountry, type CountryShape } from '../../../src-shared/domain/geo';
import { checkSiteCountry } from '../../../src-shared/domain/residency';
import { call, McClientError } from '../../bridge/client';
import { Dialog } from '../../components/Dialog';

type Overview = Response<'grid.overview'>;

/** Add a site. The corridor's residency policy is shown and checked as the country is typed. */
export function AddSiteDialog({ overview, onClose, onDone }: { overview: Overview; onClose: () => void; onDone: () => void }) {
  const [corridorId, setCorridorId] = useState(overview.corridors[0]?.id ?? '');
  const corridor = overview.corridors.find((c) => c.id === corridorId);
  const [f, setF] = useState({ key: '', name: '', kind: 'colocation', country: '', city: '', latitude: '', longitude: '', ownerName: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const residency = corridor && /^[A-Za-z]{2}$/.test(f.country) ? checkSiteCountry(corridor.name, corridor.policy, f.country.toUpperCase()) : null;
  // The country outlines come with the map's bundle, loaded when the dialog opens.
  const [shapes, setShapes] = useState<CountryShape[] | null>(null);
  useEffect(() => {
    let live = true;
    void import('../network/basemap').then((m) => live && setShapes(m.countryShapes()));
    return () => {
      live = false;
    };
  }, []);
  const placeWarning = coordinateWarning(shapes, f.country, f.latitude, f.longitude);
  const submit = async () => {
    setBusy(true);
    try {
      const { site } = await call('grid.createSite', {
        corridorId,
        key: f.key,
        name: f.name,
        kind: f.kind as (typeof SITE_KINDS)[number],
        country: f.country,
        city: f.city,
        latitude: Number(f.latitude),
        longitude: Number(f.longitude),
        ownerName: f.ownerName,
      });
      // Nodes live in node groups: a new site starts with one.
      await call('grid.createNodeGroup', { siteId: site.id, key: 'pool-a', name: 'Pool A' });
      onDone();
    } catch (err) {
      if (err instanceof McClientError) setErrors(err.fields);
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const text = (k: keyof typeof f, label: string, placeholder = '') => (
    <label className={`field ${errors[k] ? 'invalid' : ''}`}>
      <span>{label}</span>
      <input value={f[k]} name={k} placeholder={placeholder} onChange={(e) => setF({ ...f, [k]: e.target.value })} />
      {errors[k] && <span className="err">{errors[k]}</span>}
    </label>
  );
  return (
    <Dialog
      title="Add a site"
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" onClick={() => void submit()} disabled={busy || !corridorId} data-testid="add-site">
            {busy ? 'Adding…' : 'Add site'}
          </button>
        </>
      }
    >
      <label className="field">
        <span>Corridor</span>
        <select value={corridorId} name="corridorId" onChange={(e) => setCorridorId(e.target.value)}>
          {overview.corridors.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      {corridor && (
        <p className="dim">
          Residency: {corridor.policy.allowedCountries.length ? `allowed ${corridor.policy.allowedCountries.join(', ')}` : 'any country'}
          {corridor.policy.blockedCountries.length ? `; blocked ${corridor.policy.blockedCountries.join(', ')}` : ''}.
        </p>
      )}
      <div className="fields-row">
        {text('key', 'Key', 'fra-03')}
        {text('name', 'Name', 'FRA-03 Frankfurt')}
      </div>
      <div className="fields-row">
        <label className="field">
          <span>Kind</span>
          <select value={f.kind} name="kind" onChange={(e) => setF({ ...f, kind: e.target.value })}>
            {SITE_KINDS.map((k) => (
              <option key={k} value={k}>
                {SITE_KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        {text('ownerName', 'Site owner (for owner reports)')}
      </div>
      <div className="fields-row">
        <label className={`field ${errors.country || (residency && !residency.ok) ? 'invalid' : ''}`}>
          <span>Country (ISO code)</span>
          <input value={f.country} name="country" maxLength={2} placeholder="DE" onChange={(e) => setF({ ...f, country: e.target.value })} />
          {(errors.country ?? (residency && !residency.ok ? residency.message : null)) && <span className="err">{errors.country ?? (residency && !residency.ok ? residency.message : '')}</span>}
        </label>
        {text('city', 'City')}
      </div>
      <div className="fields-row">
        {text('latitude', 'Latitude', '50.11')}
        {text('longitude', 'Longitude', '8.68')}
      </div>
      {placeWarning && (
        <p className="warn-text" role="status" data-testid="place-warning">
          {placeWarning}
        </p>
      )}
      {message && !errors.country && (
        <div className="err" role="alert">
          {message}
        </div>
      )}
    </Dialog>
  );
}

/**
 * A site placed in the wrong country would be drawn there on the map and mislead everyone who
 * reads it: said as the coordinates are typed (a warning, not a refusal: outlines are coarse).
 */
function coordinateWarning(shapes: CountryShape[] | null, country: string, latText: string, lonText: string): string | null {
  const iso = country.trim().toUpperCase();
  const lat = Number(latText);
  const lon = Number(lonText);
  if (!shapes || !/^[A-Z]{2}$/.test(iso) || latText.trim() === '' || lonText.trim() === '' || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  const here = coordinatesMatchCountry(shapes, iso, lon, lat);
  if (!here.known || here.ok) return null;
  const where = here.actual ? `in ${here.actual.name}` : 'not in any country (at sea)';
  const swapped = Math.abs(lon) <= 90 && coordinatesMatchCountry(shapes, iso, lat, lon).ok;
  return `These coordinates are ${where}, not ${iso}. ${swapped ? 'With latitude and longitude swapped they would be; check their order.' : 'Check them before adding the site: the map draws it there.'}`;
}

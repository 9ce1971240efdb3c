/**
 * Real cities (approximate coordinates) for the demo grid, by corridor. Countries are ISO 3166-1
 * alpha-2; every corridor's residency policy allows exactly its own countries.
 */
export interface DemoCity {
  code: string;
  city: string;
  country: string;
  lat: number;
  lon: number;
}

export interface DemoCorridor {
  key: string;
  name: string;
  region: 'apac' | 'africa' | 'eu' | 'mena' | 'north_america';
  regulatedWorkloads: string[];
  auditRequirement: string;
  cities: DemoCity[];
}

/** Jurisdictions no corridor may place a site in (sanctions screening). */
export const BLOCKED_EVERYWHERE = ['CU', 'IR', 'KP', 'SY'];

export const DEMO_CORRIDORS: DemoCorridor[] = [
  {
    key: 'apac',
    name: 'APAC',
    region: 'apac',
    regulatedWorkloads: ['health', 'financial-services'],
    auditRequirement: 'Country-of-processing record per request (MAS TRM, APPI)',
    cities: [
      { code: 'sin', city: 'Singapore', country: 'SG', lat: 1.352, lon: 103.82 },
      { code: 'tyo', city: 'Tokyo', country: 'JP', lat: 35.68, lon: 139.69 },
      { code: 'osa', city: 'Osaka', country: 'JP', lat: 34.69, lon: 135.5 },
      { code: 'syd', city: 'Sydney', country: 'AU', lat: -33.87, lon: 151.21 },
      { code: 'mel', city: 'Melbourne', country: 'AU', lat: -37.81, lon: 144.96 },
      { code: 'bom', city: 'Mumbai', country: 'IN', lat: 19.08, lon: 72.88 },
      { code: 'blr', city: 'Bengaluru', country: 'IN', lat: 12.97, lon: 77.59 },
      { code: 'cgk', city: 'Jakarta', country: 'ID', lat: -6.21, lon: 106.85 },
      { code: 'sel', city: 'Seoul', country: 'KR', lat: 37.57, lon: 126.98 },
      { code: 'hkg', city: 'Hong Kong', country: 'HK', lat: 22.32, lon: 114.17 },
      { code: 'mnl', city: 'Manila', country: 'PH', lat: 14.6, lon: 120.98 },
      { code: 'bkk', city: 'Bangkok', country: 'TH', lat: 13.76, lon: 100.5 },
    ],
  },
  {
    key: 'africa',
    name: 'Africa',
    region: 'africa',
    regulatedWorkloads: ['health', 'government'],
    auditRequirement: 'Data-subject country recorded (POPIA, NDPA, Kenya DPA)',
    cities: [
      { code: 'los', city: 'Lagos', country: 'NG', lat: 6.52, lon: 3.38 },
      { code: 'nbo', city: 'Nairobi', country: 'KE', lat: -1.29, lon: 36.82 },
      { code: 'jnb', city: 'Johannesburg', country: 'ZA', lat: -26.2, lon: 28.05 },
      { code: 'cpt', city: 'Cape Town', country: 'ZA', lat: -33.92, lon: 18.42 },
      { code: 'cai', city: 'Cairo', country: 'EG', lat: 30.04, lon: 31.24 },
      { code: 'acc', city: 'Accra', country: 'GH', lat: 5.6, lon: -0.19 },
      { code: 'kgl', city: 'Kigali', country: 'RW', lat: -1.95, lon: 30.06 },
      { code: 'add', city: 'Addis Ababa', country: 'ET', lat: 9.03, lon: 38.74 },
      { code: 'dkr', city: 'Dakar', country: 'SN', lat: 14.72, lon: -17.47 },
      { code: 'dar', city: 'Dar es Salaam', country: 'TZ', lat: -6.79, lon: 39.21 },
    ],
  },
  {
    key: 'eu',
    name: 'EU',
    region: 'eu',
    regulatedWorkloads: ['health', 'financial-services', 'public-sector'],
    auditRequirement: 'GDPR Art. 30 record of processing; no transfer outside the EEA',
    cities: [
      { code: 'fra', city: 'Frankfurt', country: 'DE', lat: 50.11, lon: 8.68 },
      { code: 'ams', city: 'Amsterdam', country: 'NL', lat: 52.37, lon: 4.9 },
      { code: 'par', city: 'Paris', country: 'FR', lat: 48.86, lon: 2.35 },
      { code: 'sto', city: 'Stockholm', country: 'SE', lat: 59.33, lon: 18.07 },
      { code: 'mad', city: 'Madrid', country: 'ES', lat: 40.42, lon: -3.7 },
      { code: 'dub', city: 'Dublin', country: 'IE', lat: 53.35, lon: -6.26 },
      { code: 'mil', city: 'Milan', country: 'IT', lat: 45.46, lon: 9.19 },
      { code: 'waw', city: 'Warsaw', country: 'PL', lat: 52.23, lon: 21.01 },
      { code: 'hel', city: 'Helsinki', country: 'FI', lat: 60.17, lon: 24.94 },
      { code: 'vie', city: 'Vienna', country: 'AT', lat: 48.21, lon: 16.37 },
      { code: 'lis', city: 'Lisbon', country: 'PT', lat: 38.72, lon: -9.14 },
      { code: 'cph', city: 'Copenhagen', country: 'DK', lat: 55.68, lon: 12.57 },
    ],
  },
  {
    key: 'mena',
    name: 'MENA',
    region: 'mena',
    regulatedWorkloads: ['government', 'financial-services'],
    auditRequirement: 'In-country processing attested per request (PDPL, ADGM)',
    cities: [
      { code: 'dxb', city: 'Dubai', country: 'AE', lat: 25.2, lon: 55.27 },
      { code: 'auh', city: 'Abu Dhabi', country: 'AE', lat: 24.45, lon: 54.38 },
      { code: 'ruh', city: 'Riyadh', country: 'SA', lat: 24.71, lon: 46.68 },
      { code: 'jed', city: 'Jeddah', country: 'SA', lat: 21.49, lon: 39.19 },
      { code: 'doh', city: 'Doha', country: 'QA', lat: 25.29, lon: 51.53 },
      { code: 'amm', city: 'Amman', country: 'JO', lat: 31.95, lon: 35.93 },
      { code: 'mct', city: 'Muscat', country: 'OM', lat: 23.59, lon: 58.41 },
      { code: 'kwi', city: 'Kuwait City', country: 'KW', lat: 29.38, lon: 47.99 },
      { code: 'bah', city: 'Manama', country: 'BH', lat: 26.23, lon: 50.59 },
      { code: 'cas', city: 'Casablanca', country: 'MA', lat: 33.57, lon: -7.59 },
    ],
  },
  {
    key: 'north-america',
    name: 'North America',
    region: 'north_america',
    regulatedWorkloads: ['health', 'federal'],
    auditRequirement: 'HIPAA access log for regulated workloads',
    cities: [
      { code: 'iad', city: 'Ashburn', country: 'US', lat: 39.04, lon: -77.49 },
      { code: 'dfw', city: 'Dallas', country: 'US', lat: 32.78, lon: -96.8 },
      { code: 'chi', city: 'Chicago', country: 'US', lat: 41.88, lon: -87.63 },
      { code: 'sjc', city: 'San Jose', country: 'US', lat: 37.34, lon: -121.89 },
      { code: 'yyz', city: 'Toronto', country: 'CA', lat: 43.65, lon: -79.38 },
      { code: 'yul', city: 'Montreal', country: 'CA', lat: 45.5, lon: -73.57 },
      { code: 'sea', city: 'Seattle', country: 'US', lat: 47.61, lon: -122.33 },
      { code: 'atl', city: 'Atlanta', country: 'US', lat: 33.75, lon: -84.39 },
      { code: 'phx', city: 'Phoenix', country: 'US', lat: 33.45, lon: -112.07 },
      { code: 'qro', city: 'Querétaro', country: 'MX', lat: 20.59, lon: -100.39 },
    ],
  },
];

-- Demo org for first start, demos and staging; never for production. Idempotent: fixed ids and
-- ON CONFLICT DO NOTHING, so loading it twice changes nothing. Runs as the migration user under
-- RLS like anyone else, so it declares which org it writes and that it writes as an admin.
SELECT set_config('mc.org_id', '00000000-0000-4000-8000-00000000d3e0', true),
       set_config('mc.role', 'admin', true);

-- simulated: every screen says this org's figures are made up (0016).
INSERT INTO mc.orgs (id, slug, name, simulated) VALUES
  ('00000000-0000-4000-8000-00000000d3e0', 'umamiedge-demo', 'UmamiEdge Demo Grid', true)
ON CONFLICT DO NOTHING;

INSERT INTO mc.operators (id, email, display_name) VALUES
  ('00000000-0000-4000-8000-0000000000a1', 'ada.okafor@demo.umamiedge.test',   'Ada Okafor'),
  ('00000000-0000-4000-8000-0000000000a2', 'kenji.mori@demo.umamiedge.test',   'Kenji Mori'),
  ('00000000-0000-4000-8000-0000000000a3', 'leila.haddad@demo.umamiedge.test', 'Leila Haddad'),
  ('00000000-0000-4000-8000-0000000000a4', 'sam.novak@demo.umamiedge.test',    'Sam Novak')
ON CONFLICT DO NOTHING;

INSERT INTO mc.memberships (org_id, operator_id, role) VALUES
  ('00000000-0000-4000-8000-00000000d3e0', '00000000-0000-4000-8000-0000000000a1', 'admin'),
  ('00000000-0000-4000-8000-00000000d3e0', '00000000-0000-4000-8000-0000000000a2', 'operator'),
  ('00000000-0000-4000-8000-00000000d3e0', '00000000-0000-4000-8000-0000000000a3', 'incident_commander'),
  ('00000000-0000-4000-8000-00000000d3e0', '00000000-0000-4000-8000-0000000000a4', 'auditor')
ON CONFLICT DO NOTHING;

INSERT INTO mc.components (org_id, key, name, kind, description, sort_order) VALUES
  ('00000000-0000-4000-8000-00000000d3e0', 'corridor.apac',   'APAC corridor',          'corridor',  'Singapore, Tokyo, Sydney, Mumbai and Jakarta sites', 10),
  ('00000000-0000-4000-8000-00000000d3e0', 'corridor.africa', 'Africa corridor',        'corridor',  'Lagos, Nairobi, Johannesburg, Cairo and Accra sites', 20),
  ('00000000-0000-4000-8000-00000000d3e0', 'corridor.eu',     'EU corridor',            'corridor',  'Frankfurt, Amsterdam, Paris, Stockholm and Madrid sites', 30),
  ('00000000-0000-4000-8000-00000000d3e0', 'corridor.mena',   'MENA corridor',          'corridor',  'Dubai, Riyadh, Doha, Casablanca and Amman sites', 40),
  ('00000000-0000-4000-8000-00000000d3e0', 'corridor.na',     'North America corridor', 'corridor',  'Ashburn, Dallas, Toronto, Chicago and San Jose sites', 50),
  ('00000000-0000-4000-8000-00000000d3e0', 'database',        'Control-plane database', 'database',  'System of record for the grid, evidence and audit chain', 60),
  ('00000000-0000-4000-8000-00000000d3e0', 'telemetry',       'Telemetry pipeline',     'telemetry', 'Authenticated node telemetry ingest and rollups', 70),
  ('00000000-0000-4000-8000-00000000d3e0', 'routing',         'Routing',                'routing',   'Latency-, capacity- and residency-aware request routing', 80),
  ('00000000-0000-4000-8000-00000000d3e0', 'runtime.vllm',    'vLLM runtimes',          'runtime',   'vLLM OpenAI-compatible servers', 90),
  ('00000000-0000-4000-8000-00000000d3e0', 'runtime.ollama',  'Ollama runtimes',        'runtime',   'Ollama servers for small and private models', 100),
  ('00000000-0000-4000-8000-00000000d3e0', 'runtime.tgi',     'TGI runtimes',           'runtime',   'Text Generation Inference servers', 110),
  ('00000000-0000-4000-8000-00000000d3e0', 'runtime.openai',  'OpenAI-compatible gateways', 'runtime', 'Other OpenAI-compatible runtimes behind the gateway', 120)
ON CONFLICT DO NOTHING;

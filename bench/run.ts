import { coldStart } from './cold-start.bench';
import { gatewayVsDirect } from './gateway.bench';
import { contractCall } from './contract-call.bench';
import { ingest } from './ingest.bench';
import { ingestDoor } from './ingest-door.bench';
import { type Bench, write } from './lib';
import { liveUpdate } from './live-update.bench';
import { networkGraphDrag } from './network/graph-drag.bench';
import { networkMapFrame } from './network/map-frame.bench';
import { wsPausedClient } from './ws-paused-client.bench';
import { routingDecision } from './routing/decision.bench';
import { bundleExport } from './evidence/bundle-export.bench';
import { limits } from './limits.bench';

/** npm run bench [-- NAME ...]: run all benchmarks, or the named ones. */
const all: Bench[] = [contractCall, liveUpdate, coldStart, ingest, ingestDoor, networkMapFrame, networkGraphDrag, wsPausedClient, routingDecision, bundleExport, gatewayVsDirect, limits];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !all.some((b) => b.name === w));
  if (unknown.length) {
    process.stderr.write(`Unknown benchmark: ${unknown.join(', ')}\nAvailable:\n${all.map((b) => `  ${b.name}  ${b.summary}`).join('\n')}\n`);
    process.exit(2);
  }
  const selected = wanted.length ? all.filter((b) => wanted.includes(b.name)) : all;
  let failed = false;
  for (const b of selected) {
    process.stdout.write(`${b.name}: ${b.summary}\n`);
    try {
      const out = await b.run();
      for (const r of Array.isArray(out) ? out : [out]) {
        const file = write(r);
        const verdict = r.target === null ? ' (no target)' : (r.better === 'higher' ? r.ratio >= r.target : r.ratio <= r.target) ? ` (target ${r.target}: met)` : ` (target ${r.target}: NOT met)`;
        process.stdout.write(`  ${r.name}: ${r.value} ${r.unit} vs ${r.baseline} ${r.unit} ${r.baselineName}: ratio ${r.ratio} (${r.better} is better)${verdict}\n  → ${file}\n`);
      }
    } catch (err) {
      failed = true;
      process.stderr.write(`  failed: ${(err as Error).message}\n`);
    }
  }
  process.exit(failed ? 1 : 0);
}

void main();

import { create } from 'zustand';
import type { Response } from '../../src-shared/contract';
import type { RequestIn } from '../../src-shared/contract';
import { call, errorText } from '../bridge/client';

type Simulation = Response<'routing.simulate'>;
type WhatIf = Response<'routing.whatIf'>;
/** The subject of a what-if run: the site, corridor or runtime chosen, or an incident. */
export interface WhatIfOf {
  id: string;
  name: string;
  /** Set when the run is an incident's affected grid (Incidents → Customer impact). */
  incidentId?: string;
  /** Said under the answer: what the run did not take down, and why. */
  note?: string;
  /** When it ran (ISO): an answer kept on screen says how old it is. */
  at?: string;
}

/** Each what-if run's number: an answer arriving after a newer run started is dropped, not shown under the newer one's title. */
let whatIfRun = 0;

interface RoutingState {
  last: Simulation | null;
  running: boolean;
  error: string | null;
  whatIf: WhatIf | null;
  whatIfError: string | null;
  /** What the shown what-if took down, as said above its answer (a site, or an incident's grid). */
  whatIfOf: WhatIfOf | null;
  decisions: Response<'routing.decisions'>['decisions'];
  simulate(req: RequestIn<'routing.simulate'>): Promise<Simulation | null>;
  runWhatIf(req: RequestIn<'routing.whatIf'>, of: WhatIfOf): Promise<void>;
  loadDecisions(): Promise<void>;
}

export const useRouting = create<RoutingState>((set, get) => ({
  last: null,
  running: false,
  error: null,
  whatIf: null,
  whatIfError: null,
  whatIfOf: null,
  decisions: [],
  async simulate(req) {
    // The previous decision goes at once, as for what-if: left under a refused request (too many
    // tokens), it read as that request's answer, though it was for another model or customer.
    set({ running: true, error: null, last: null });
    try {
      const last = await call('routing.simulate', req);
      set({ last, running: false });
      void get().loadDecisions();
      return last;
    } catch (err) {
      set({ error: errorText(err), running: false });
      return null;
    }
  },
  async runWhatIf(req, of) {
    // The previous answer goes at once: a blast radius left on screen next to a new choice would
    // read as the new one's until the call returns.
    const run = ++whatIfRun;
    set({ whatIf: null, whatIfError: null, whatIfOf: { ...of, at: new Date().toISOString() } });
    try {
      const answer = await call('routing.whatIf', req);
      if (run === whatIfRun) set({ whatIf: answer, whatIfError: null });
    } catch (err) {
      if (run === whatIfRun) set({ whatIfError: errorText(err) });
    }
  },
  async loadDecisions() {
    try {
      set({ decisions: (await call('routing.decisions', { limit: 20 })).decisions });
    } catch {
      // the decisions list is secondary; the simulation's own error is what the operator needs
    }
  },
}));

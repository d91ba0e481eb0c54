/**
 * The simulator in a process of its own, as D365 runs on a machine of its own: what the agent
 * does while a request is on the wire overlaps the server's wait, as it does against a real
 * server, and the server's heap is its own. (A worker thread shared the agent's V8 flags: the
 * agent's small young generation (main/memory.ts) made the simulator collect garbage about three
 * times as often, and the bench counted that against the agent.)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Simulator } from '../../core/simulator/simulator.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import type { SimulatorEndpoints } from '../core/engine/harness.ts';

type Endpoints = Omit<SimulatorEndpoints, 'stop'>;
type Ask = 'dataRequests' | 'stop';

export class SimulatorProcess {
  readonly url: string;
  readonly authorityUrl: string;
  readonly foDataUrl: string;
  readonly bcApiUrl: string;
  readonly dataverseUrl: string;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, e: Endpoints) {
    this.#child = child;
    this.url = e.url;
    this.authorityUrl = e.authorityUrl;
    this.foDataUrl = e.foDataUrl;
    this.bcApiUrl = e.bcApiUrl;
    this.dataverseUrl = e.dataverseUrl;
  }

  static async start(options: SimulatorOptions): Promise<SimulatorProcess> {
    // The child's own Node flags: a --cpu-prof or --inspect of the bench is not passed on.
    const child = fork(new URL(import.meta.url), [JSON.stringify(options)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const endpoints = await answer<Endpoints>(child);
    return new SimulatorProcess(child, endpoints);
  }

  /** Requests to the data service (not the token endpoint) the simulator has seen. */
  dataRequests(): Promise<number> {
    return ask<number>(this.#child, 'dataRequests');
  }

  async stop(): Promise<void> {
    // already gone (an exit, or a signal): there is nothing to stop, and no exit event will come
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await ask<null>(this.#child, 'stop');
    // stopped and answered: nothing of it is left to wait for
    this.#child.kill();
    await exited;
  }
}

function ask<T>(child: ChildProcess, m: Ask): Promise<T> {
  const reply = answer<T>(child);
  child.send(m);
  return reply;
}

function answer<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const gone = (code: number | null) => reject(new Error(`the simulator process ended (exit code ${code})`));
    child.once('exit', gone);
    child.once('message', (m) => {
      child.off('exit', gone);
      resolve(m as T);
    });
  });
}

if (process.send && process.argv[2]) {
  const send = process.send.bind(process);
  const sim = await Simulator.start(JSON.parse(process.argv[2]) as SimulatorOptions);
  process.on('message', async (m: Ask) => {
    if (m === 'dataRequests') send(sim.requestLog.filter((e) => e.path.startsWith('/data')).length);
    else if (m === 'stop') {
      await sim.stop();
      send(null);
    }
  });
  send({ url: sim.url, authorityUrl: sim.authorityUrl, foDataUrl: sim.foDataUrl, bcApiUrl: sim.bcApiUrl, dataverseUrl: sim.dataverseUrl } satisfies Endpoints);
}

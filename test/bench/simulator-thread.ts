/**
 * The simulator in a worker thread of its own, as D365 runs on a machine of its own: what the
 * agent does while a request is on the wire overlaps the server's wait, as it does against a
 * real server, instead of holding up the simulator's event loop (one process, one loop).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Simulator } from '../../core/simulator/simulator.ts';
import type { SimulatorOptions } from '../../core/simulator/types.ts';
import type { SimulatorEndpoints } from '../core/engine/harness.ts';

type Endpoints = Omit<SimulatorEndpoints, 'stop'>;

export class SimulatorThread {
  readonly url: string;
  readonly authorityUrl: string;
  readonly foDataUrl: string;
  readonly bcApiUrl: string;
  readonly dataverseUrl: string;
  readonly #worker: Worker;

  private constructor(worker: Worker, e: Endpoints) {
    this.#worker = worker;
    this.url = e.url;
    this.authorityUrl = e.authorityUrl;
    this.foDataUrl = e.foDataUrl;
    this.bcApiUrl = e.bcApiUrl;
    this.dataverseUrl = e.dataverseUrl;
  }

  static async start(options: SimulatorOptions): Promise<SimulatorThread> {
    const worker = new Worker(new URL(import.meta.url), { workerData: options });
    const endpoints = await answer<Endpoints>(worker);
    return new SimulatorThread(worker, endpoints);
  }

  /** Requests to the data service (not the token endpoint) the simulator has seen. */
  dataRequests(): Promise<number> {
    const reply = answer<number>(this.#worker);
    this.#worker.postMessage('dataRequests');
    return reply;
  }

  async stop(): Promise<void> {
    const done = answer<null>(this.#worker);
    this.#worker.postMessage('stop');
    await done;
    await this.#worker.terminate();
  }
}

function answer<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => reject(e);
    worker.once('error', fail);
    worker.once('message', (m: T) => {
      worker.off('error', fail);
      resolve(m);
    });
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const sim = await Simulator.start(workerData as SimulatorOptions);
  port.on('message', async (m: string) => {
    if (m === 'dataRequests') port.postMessage(sim.requestLog.filter((e) => e.path.startsWith('/data')).length);
    else if (m === 'stop') {
      await sim.stop();
      port.postMessage(null);
    }
  });
  port.postMessage({ url: sim.url, authorityUrl: sim.authorityUrl, foDataUrl: sim.foDataUrl, bcApiUrl: sim.bcApiUrl, dataverseUrl: sim.dataverseUrl } satisfies Endpoints);
}

import { createDispatcher } from '../../core/d365/client.ts';
import { buildRig, type RigOptions } from '../core/engine/harness.ts';
import type { Simulator } from '../../core/simulator/simulator.ts';

export type FaultRigOptions = RigOptions;

/** The engine harness's rig with single requests and short client timeouts by default. */
export function faultRig(o: FaultRigOptions = {}): ReturnType<typeof buildRig<Simulator>> {
  return buildRig({ batch: false, dispatcher: o.dispatcher ?? createDispatcher({ connectMs: 1000, headersMs: 1000, bodyMs: 1000 }), ...o });
}

/** Polls until the predicate holds; fails with what it last saw after ms. */
export async function until(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

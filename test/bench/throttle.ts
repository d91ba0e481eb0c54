/**
 * Throttling: the simulator behind a front that answers 429 with a growing Retry-After when
 * pushed (throttle-proxy.ts). Ours (waits exactly Retry-After, pauses the whole drain, ramps up
 * gently) against a client that retries at a fixed rate whatever Retry-After says: time to
 * drain N and the number of 429s each collects. Ours with $batch too, which sends far fewer
 * requests for the same work.
 */
import { createDispatcher } from '../../core/d365/client.ts';
import { isD365Error } from '../../core/d365/errors.ts';
import { Simulator } from '../../core/simulator/simulator.ts';
import { buildRig, type Rig } from '../core/engine/harness.ts';
import { figure, seconds, sleep, type Baseline, type Figure } from './common.ts';
import { orderNo, queueOrders } from './drain.ts';
import { D365_LIKE, ThrottlingProxy, type ThrottleRules } from './throttle-proxy.ts';

const RTT_MS = 5;
const FIXED_RETRY_MS = 1_000;

interface Outcome {
  seconds: number;
  done: number;
  requests: number;
  throttled: number;
}

async function behindProxy<T>(n: number, rules: ThrottleRules, batchSize: number, run: (r: Rig, proxy: ThrottlingProxy) => Promise<T>): Promise<T> {
  const sim = await Simulator.start({ orders: n, latencyMs: RTT_MS });
  const proxy = await ThrottlingProxy.start(sim.url, rules);
  const r = await buildRig({ simulator: sim, serviceRoot: () => `${proxy.url}/data`, fast: false, dispatcher: createDispatcher(), drainer: { pollMs: 20, batchSize } });
  try {
    await r.tokens.token();
    return await run(r, proxy);
  } finally {
    await r.close();
    await proxy.stop();
  }
}

function ours(n: number, rules: ThrottleRules, batchSize: number): Promise<Outcome> {
  return behindProxy(n, rules, batchSize, async (r, proxy) => {
    queueOrders(r, n);
    const t = process.hrtime.bigint();
    const summary = await r.drainer.drainUntilIdle();
    return { seconds: seconds(t), done: summary.done, requests: proxy.requests, throttled: proxy.throttled };
  });
}

/** GET + PATCH per update; a 429 is retried every second, Retry-After unread. */
function fixedRate(n: number, rules: ThrottleRules, deadlineS: number): Promise<Outcome> {
  return behindProxy(n, rules, 1, async (r, proxy) => {
    const t = process.hrtime.bigint();
    const untilThrottleLets = async <T>(call: () => Promise<T>): Promise<T | null> => {
      for (;;) {
        try {
          return await call();
        } catch (e) {
          if (!(isD365Error(e) && e.code === 'THROTTLED')) throw e;
          if (seconds(t) > deadlineS) return null;
          await sleep(FIXED_RETRY_MS);
        }
      }
    };
    let done = 0;
    for (let i = 1; i <= n; i++) {
      const key = { company: 'USMF', orderNumber: orderNo(i) };
      const snap = await untilThrottleLets(() => r.client.getOrder(key, ['DeliveryModeCode']));
      if (!snap) break;
      if (!(await untilThrottleLets(() => r.client.patchOrder(snap, { DeliveryModeCode: `R${i % 9}` }, 'fixed')))) break;
      done++;
    }
    return { seconds: seconds(t), done, requests: proxy.requests, throttled: proxy.throttled };
  });
}

export async function benchThrottle(n = 150, rules: ThrottleRules = D365_LIKE, deadlineS = 240): Promise<Figure[]> {
  const single = await ours(n, rules, 1);
  const fixed = await fixedRate(n, rules, deadlineS);
  const batched = await ours(n, rules, 50);
  const rate = rules.limit / (rules.windowMs / 1000);
  const server = `${rules.limit} requests per ${rules.windowMs / 1000} s, RTT ${RTT_MS} ms`;
  const sustained = (requests: number): Baseline => ({ name: `${requests} requests at the server's sustained rate (${server})`, value: requests / rate, unit: 's', kind: 'limit' });
  const sent = (o: Outcome): Baseline => ({ name: 'data requests this client sent', value: o.requests, unit: 'requests', kind: 'measured' });
  const all: Baseline = { name: 'updates to send', value: n, unit: 'updates', kind: 'truth' };
  for (const [who, o] of [['ours', single], ['ours with $batch', batched]] as const) {
    if (o.done !== n) throw new Error(`throttle: ${who} drained ${o.done} of ${n}`);
  }
  return [
    figure('throttle.ours.seconds', `throttled drain of ${n}, ours, single requests (waits Retry-After, pauses, ramps up)`, single.seconds, 's', sustained(2 * n)),
    figure('throttle.ours.requests429', `requests of ours answered 429, draining ${n}`, single.throttled, 'requests', sent(single)),
    figure('throttle.fixed.seconds', `throttled drain of ${n}, a client retrying every ${FIXED_RETRY_MS / 1000} s${fixed.done < n ? ` (stopped after ${deadlineS} s)` : ''}`, fixed.seconds, 's', sustained(2 * n)),
    figure('throttle.fixed.requests429', 'requests of the fixed-rate client answered 429', fixed.throttled, 'requests', sent(fixed)),
    figure('throttle.fixed.done', 'updates the fixed-rate client got through', fixed.done, 'updates', all),
    figure('throttle.oursBatch.seconds', `throttled drain of ${n}, ours with $batch K=50`, batched.seconds, 's', sustained(2 * Math.ceil(n / 50))),
    figure('throttle.oursBatch.requests429', 'requests of ours with $batch answered 429', batched.throttled, 'requests', sent(batched)),
  ];
}

import { describe, expect, it } from 'vitest';
import { checkPatchBody, property } from '../../../core/simulator/entity-schema.ts';
import { defaultFoOrder, FO_MODIFIED_FIELD, foSchema, SALES_ORDER_HEADER, shippingDate, statusTransitionError } from '../../../core/simulator/fo-entity.ts';
import { createRng } from '../../../core/simulator/rng.ts';

describe('the F&O SalesOrderHeaderV2 entity', () => {
  it('an invoiced or canceled order is closed: its status cannot change, with F&O\'s kind of message', () => {
    expect(statusTransitionError('SO-1', 'Invoiced', 'Backorder')).toBe(
      "Write failed for table row of type 'SalesTable'. Infolog: Error: Sales order SO-1 cannot be changed from status Invoiced to status Backorder: an order that is invoiced is closed.",
    );
    expect(statusTransitionError('SO-1', 'Canceled', 'Delivered')).toMatch(/canceled is closed/);
    expect(statusTransitionError('SO-1', 'Backorder', 'Delivered')).toBeUndefined();
    expect(statusTransitionError('SO-1', 'Invoiced', 'Invoiced')).toBeUndefined();
    expect(statusTransitionError('SO-1', 'Invoiced', undefined)).toBeUndefined();
  });

  it('default orders are deterministic, valid for the entity, and use no random stream', () => {
    expect(defaultFoOrder('USMF', 'SO-1', 3)).toEqual(defaultFoOrder('USMF', 'SO-1', 3));
    const order = defaultFoOrder('USMF', 'SO-1', 3);
    const { dataAreaId: _a, SalesOrderNumber: _n, ...writable } = order;
    expect(checkPatchBody(SALES_ORDER_HEADER, writable)).toEqual({ ok: true, fields: writable });
    expect(Object.keys(order).sort()).toEqual(SALES_ORDER_HEADER.properties.map((p) => p.name).sort());
  });

  it('what other users write is valid for the entity and differs from what is there; a closed status moves no more', () => {
    const rng = createRng(3);
    const order = defaultFoOrder('USMF', 'SO-1', 0);
    for (const p of SALES_ORDER_HEADER.properties.filter((x) => x.next)) {
      for (let i = 0; i < 20; i++) {
        const next = p.next!(rng, order[p.name]);
        if (next === undefined) continue;
        expect(next, p.name).not.toBe(order[p.name]);
        expect(checkPatchBody(SALES_ORDER_HEADER, { [p.name]: next }).ok, `${p.name}=${String(next)}`).toBe(true);
      }
    }
    const status = property(SALES_ORDER_HEADER, 'SalesOrderStatus')!;
    expect(status.next!(rng, 'Backorder')).toBe('Delivered');
    expect(status.next!(rng, 'Delivered')).toBe('Invoiced');
    expect(status.next!(rng, 'Invoiced')).toBeUndefined();
  });

  it('shipping dates fall within the simulated season, on the hour', () => {
    const rng = createRng(1);
    for (let i = 0; i < 100; i++) {
      const d = shippingDate(rng);
      expect(d).toMatch(/^2026-1[12]-\d\dT(0[6-9]|1[0-7]):00:00Z$|^2027-0[1-3]-\d\dT(0[6-9]|1[0-7]):00:00Z$/);
    }
  });

  it('a modification time is added only when asked for, read-only', () => {
    expect(foSchema(false)).toBe(SALES_ORDER_HEADER);
    expect(property(foSchema(true), FO_MODIFIED_FIELD)).toMatchObject({ type: 'Edm.DateTimeOffset', readOnly: true });
    expect(property(SALES_ORDER_HEADER, FO_MODIFIED_FIELD)).toBeUndefined();
  });
});

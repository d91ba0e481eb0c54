import type { EntitySchema } from './entity-schema.ts';
import type { FieldValue, SalesOrder } from './types.ts';
import { nameGuid } from './bc-entity.ts';
import { shippingDate } from './fo-entity.ts';
import { pick, randomInt } from './rng.ts';

export const DV_NAMESPACE = 'Microsoft.Dynamics.CRM';
export const DV_ENTITY_SET = 'salesorders';

/** salesorder.statecode: Active, Submitted, Canceled, Fulfilled, Invoiced. */
export const DV_STATES = { active: 0, submitted: 1, canceled: 2, fulfilled: 3, invoiced: 4 } as const;
const CLOSED: readonly number[] = [DV_STATES.canceled, DV_STATES.invoiced];

/** salesorder.shippingmethodcode: Airborne, DHL, FedEx, UPS, Postal Mail, Full Load, Will Call. */
const SHIPPING_METHODS = [1, 2, 3, 4, 5, 6, 7] as const;

function nextState(current: FieldValue | undefined): FieldValue | undefined {
  // the way other users move an order along: submitted, fulfilled, then invoiced
  if (current === DV_STATES.active) return DV_STATES.submitted;
  if (current === DV_STATES.submitted) return DV_STATES.fulfilled;
  if (current === DV_STATES.fulfilled) return DV_STATES.invoiced;
  return undefined;
}

export const DV_SALES_ORDER: EntitySchema = {
  namespace: DV_NAMESPACE,
  typeName: 'salesorder',
  entitySet: DV_ENTITY_SET,
  properties: [
    { name: 'salesorderid', type: 'Edm.Guid', key: true, readOnly: true },
    { name: 'ordernumber', type: 'Edm.String', maxLength: 100, readOnly: true },
    { name: 'name', type: 'Edm.String', maxLength: 300, next: (rng) => `Order ${randomInt(rng, 100, 1000)}` },
    { name: 'description', type: 'Edm.String', maxLength: 2000, next: (rng) => `REQ-${randomInt(rng, 10000, 100000)}` },
    { name: 'statecode', type: 'Edm.Int32', options: Object.values(DV_STATES), next: (_rng, current) => nextState(current) },
    {
      name: 'requestdeliveryby',
      type: 'Edm.Date',
      next: (rng, current) => {
        const day = shippingDate(rng).slice(0, 10);
        return day === current ? undefined : day;
      },
    },
    {
      name: 'shippingmethodcode',
      type: 'Edm.Int32',
      options: SHIPPING_METHODS,
      next: (rng, current) => pick(rng, SHIPPING_METHODS.filter((m) => m !== current)),
    },
    { name: 'shipto_name', type: 'Edm.String', maxLength: 200, next: (rng) => `Dock ${randomInt(rng, 1, 100)}` },
    // the customer collects the order: Dataverse's two-option fields are Edm.Boolean
    { name: 'willcall', type: 'Edm.Boolean' },
    // money and percentages: Dataverse declares its decimals Scale="Variable"
    { name: 'discountpercentage', type: 'Edm.Decimal' },
    { name: 'modifiedon', type: 'Edm.DateTimeOffset', readOnly: true },
  ],
};

const FO_TO_DV: Readonly<Record<string, string>> = {
  SalesOrderNumber: 'ordernumber',
  SalesOrderName: 'name',
  CustomerRequisitionNumber: 'description',
  SalesOrderStatus: 'statecode',
  RequestedShippingDate: 'requestdeliveryby',
  DeliveryModeCode: 'shippingmethodcode',
  DeliveryAddressName: 'shipto_name',
};

/** How an F&O field name used in options or seeds reads on the Dataverse entity. */
export function dvFieldName(name: string): string | undefined {
  if (DV_SALES_ORDER.properties.some((p) => p.name === name)) return name;
  return FO_TO_DV[name];
}

/** The Dataverse value standing for an F&O value of the same (mapped) field. */
export function dvValue(foName: string, value: FieldValue): FieldValue {
  switch (foName) {
    case 'RequestedShippingDate':
      return typeof value === 'string' ? value.slice(0, 10) : value;
    case 'DeliveryModeCode': {
      const mode = Number(value) / 10;
      return Number.isInteger(mode) && mode >= 1 && mode <= 5 ? mode : 1;
    }
    case 'SalesOrderStatus':
      return { Backorder: DV_STATES.active, Delivered: DV_STATES.fulfilled, Invoiced: DV_STATES.invoiced, Canceled: DV_STATES.canceled }[String(value)] ?? 0;
    default:
      return value;
  }
}

export function dvOrderId(company: string, orderNumber: string): string {
  return nameGuid(`dataverse:salesorder:${company.toLowerCase()}:${orderNumber.toLowerCase()}`);
}

/** The Dataverse mirror of an F&O order (the order book stamps modifiedon). */
export function dvMirror(company: string, fo: SalesOrder): SalesOrder {
  const order: SalesOrder = {
    salesorderid: dvOrderId(company, String(fo.SalesOrderNumber)),
    ordernumber: String(fo.SalesOrderNumber),
    name: '',
    description: '',
    statecode: DV_STATES.active,
    requestdeliveryby: '2026-12-01',
    shippingmethodcode: 1,
    shipto_name: '',
    willcall: false,
    discountpercentage: 0,
  };
  for (const [name, value] of Object.entries(fo)) {
    const dvName = FO_TO_DV[name];
    if (dvName) order[dvName] = dvValue(name, value);
  }
  return order;
}

/** Dataverse's refusal to change a closed order's state, or undefined when allowed. */
export function dvStateError(from: FieldValue | undefined, to: FieldValue | undefined): string | undefined {
  if (to === undefined || from === to || typeof from !== 'number' || !CLOSED.includes(from)) return undefined;
  return `The salesorder is closed (statecode ${from}) and its state cannot be changed to ${String(to)}.`;
}

import type { FieldValue, SalesOrder } from './types.ts';
import type { Rng } from './rng.ts';

export type EdmType = 'Edm.String' | 'Edm.DateTimeOffset' | 'Edm.Date' | 'Edm.Guid' | 'Edm.Decimal' | 'Edm.Int32' | 'Edm.Boolean';

export interface PropertySpec {
  name: string;
  /** an Edm type, or the qualified name of an enum listed in `members` */
  type: EdmType | string;
  members?: readonly string[];
  /** an Edm.Int32 choice (a Dataverse option set): the values it accepts */
  options?: readonly number[];
  maxLength?: number;
  /** Edm.Decimal facets: digits in all, and after the decimal point */
  precision?: number;
  scale?: number;
  key?: boolean;
  /** refused in a PATCH body (BC system fields) */
  readOnly?: boolean;
  /**
   * A plausible new value a background writer could put in this field, different from
   * `current`; undefined when the field cannot change any more (e.g. an invoiced status).
   */
  next?: (rng: Rng, current: FieldValue | undefined) => FieldValue | undefined;
}

export interface EntitySchema {
  namespace: string;
  typeName: string;
  entitySet: string;
  properties: readonly PropertySpec[];
}

export function qualifiedType(schema: EntitySchema): string {
  return `${schema.namespace}.${schema.typeName}`;
}

/** A schema's properties by name, its key names and all names, worked out once (every part of a $batch asks). */
const lookups = new WeakMap<EntitySchema, { byName: Map<string, PropertySpec>; keys: readonly string[]; names: readonly string[] }>();

function lookup(schema: EntitySchema) {
  let found = lookups.get(schema);
  if (!found) {
    found = {
      byName: new Map(schema.properties.map((p) => [p.name, p])),
      keys: Object.freeze(schema.properties.filter((p) => p.key).map((p) => p.name)),
      names: Object.freeze(schema.properties.map((p) => p.name)),
    };
    lookups.set(schema, found);
  }
  return found;
}

export function property(schema: EntitySchema, name: string): PropertySpec | undefined {
  return lookup(schema).byName.get(name);
}

export function keyNames(schema: EntitySchema): readonly string[] {
  return lookup(schema).keys;
}

/** Every property name, in the schema's order. */
export function propertyNames(schema: EntitySchema): readonly string[] {
  return lookup(schema).names;
}

export type BodyCheck = { ok: true; fields: SalesOrder } | { ok: false; message: string };

/**
 * What the OData deserializer refuses before any business logic runs: unknown properties,
 * values of the wrong type, nulls, over-long strings. Values come back normalized the way the
 * server stores them (a DateTimeOffset loses its milliseconds, as F&O's do).
 */
export function checkPatchBody(schema: EntitySchema, body: unknown): BodyCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, message: 'The request body must be a JSON object with the properties to change.' };
  }
  const fields: SalesOrder = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    // annotations such as @odata.etag or @odata.type are not data
    if (name.startsWith('@') || name.includes('@odata.')) continue;
    const spec = property(schema, name);
    if (!spec) {
      return {
        ok: false,
        message: `The property '${name}' does not exist on type '${qualifiedType(schema)}'. Make sure to only use property names that are defined by the type.`,
      };
    }
    const checked = checkValue(spec, value);
    if (!checked.ok) return checked;
    fields[name] = checked.value;
  }
  return { ok: true, fields };
}

type ValueCheck = { ok: true; value: FieldValue } | { ok: false; message: string };

const DATE_TIME_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function cannotConvert(value: unknown, type: string): ValueCheck {
  return { ok: false, message: `Cannot convert the literal '${String(value)}' to the expected type '${type}'.` };
}

export function checkValue(spec: PropertySpec, value: unknown): ValueCheck {
  if (value === null) {
    return {
      ok: false,
      message: `A null value was found for the property named '${spec.name}', which has the expected type '${spec.type}[Nullable=False]'. The expected type '${spec.type}[Nullable=False]' does not allow null values.`,
    };
  }
  if (spec.members) {
    if (typeof value !== 'string') return cannotConvert(value, spec.type);
    // OData also allows the qualified form Namespace.Enum'Member'
    const qualified = /^[\w.]+'(.*)'$/.exec(value);
    const member = qualified ? (qualified[1] as string) : value;
    if (!spec.members.includes(member)) return cannotConvert(value, spec.type);
    return { ok: true, value: member };
  }
  switch (spec.type) {
    case 'Edm.String':
      if (typeof value !== 'string') return cannotConvert(value, spec.type);
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        return { ok: false, message: `The value of property '${spec.name}' is longer than its maximum length of ${spec.maxLength}.` };
      }
      return { ok: true, value };
    case 'Edm.DateTimeOffset': {
      if (typeof value !== 'string' || !DATE_TIME_OFFSET.test(value) || Number.isNaN(Date.parse(value))) {
        return cannotConvert(value, spec.type);
      }
      return { ok: true, value: new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    }
    case 'Edm.Date': {
      const m = typeof value === 'string' ? DATE.exec(value) : null;
      if (!m || Number.isNaN(Date.parse(`${value as string}T00:00:00Z`))) return cannotConvert(value, spec.type);
      if (new Date(`${value as string}T00:00:00Z`).toISOString().slice(0, 10) !== value) return cannotConvert(value, spec.type);
      return { ok: true, value: value as string };
    }
    case 'Edm.Guid':
      if (typeof value !== 'string' || !GUID.test(value)) return cannotConvert(value, spec.type);
      return { ok: true, value: value.toLowerCase() };
    case 'Edm.Decimal': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return cannotConvert(value, spec.type);
      const fraction = value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }).split('.')[1] ?? '';
      if (spec.scale !== undefined && fraction.length > spec.scale) return cannotConvert(value, `Edm.Decimal(Scale=${spec.scale})`);
      return { ok: true, value };
    }
    case 'Edm.Int32':
      if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 2 ** 31) return cannotConvert(value, spec.type);
      if (spec.options && !spec.options.includes(value)) {
        return { ok: false, message: `The value ${value} of '${spec.name}' is outside the valid range. Accepted Values: ${spec.options.join(',')}` };
      }
      return { ok: true, value };
    case 'Edm.Boolean':
      if (typeof value !== 'boolean') return cannotConvert(value, spec.type);
      return { ok: true, value };
    default:
      return cannotConvert(value, spec.type);
  }
}

/** How D365 writes a member name that is no identifier: XmlConvert escapes ("In Review" → In_x0020_Review). */
export function encodeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A CSDL document describing the entity, its enums and one entity set. */
export function csdl(schema: EntitySchema, containerName: string): string {
  const enums = new Map<string, readonly string[]>();
  for (const p of schema.properties) if (p.members) enums.set(p.type, p.members);
  const lines: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '  <edmx:DataServices>',
    `    <Schema Namespace="${escapeXml(schema.namespace)}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
    `      <EntityType Name="${escapeXml(schema.typeName)}">`,
    '        <Key>',
    ...keyNames(schema).map((k) => `          <PropertyRef Name="${escapeXml(k)}" />`),
    '        </Key>',
  ];
  for (const p of schema.properties) {
    const maxLength = p.maxLength !== undefined ? ` MaxLength="${p.maxLength}"` : '';
    const precision = p.precision !== undefined ? ` Precision="${p.precision}"` : '';
    const scale = p.scale !== undefined ? ` Scale="${p.scale}"` : p.type === 'Edm.Decimal' ? ' Scale="Variable"' : '';
    lines.push(`        <Property Name="${escapeXml(p.name)}" Type="${escapeXml(p.type)}" Nullable="false"${maxLength}${precision}${scale} />`);
  }
  lines.push('      </EntityType>');
  for (const [qualified, members] of enums) {
    const name = qualified.slice(qualified.lastIndexOf('.') + 1);
    lines.push(`      <EnumType Name="${escapeXml(name)}">`);
    members.forEach((m, i) => lines.push(`        <Member Name="${escapeXml(encodeName(m))}" Value="${i}" />`));
    lines.push('      </EnumType>');
  }
  lines.push(
    `      <EntityContainer Name="${escapeXml(containerName)}">`,
    `        <EntitySet Name="${escapeXml(schema.entitySet)}" EntityType="${escapeXml(qualifiedType(schema))}" />`,
    '      </EntityContainer>',
    '    </Schema>',
    '  </edmx:DataServices>',
    '</edmx:Edmx>',
    '',
  );
  return lines.join('\n');
}

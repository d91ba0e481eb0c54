/**
 * Reads the one entity the agent writes out of a CSDL `$metadata` document (OData v4, XML).
 *
 * A real F&O `$metadata` describes every public entity of the environment: tens of megabytes
 * for the one entity type we need. So the document is not built into a tree: a streaming,
 * conformant parser (saxes) walks it a few times, each pass keeping only what the previous one
 * showed is needed (1: aliases and the entity set's type; 2: that type, the enums and type
 * definitions it uses, its base type, annotations aimed at its properties; 3…: what 2 found
 * it lacked). Between chunks it gives the event loop back, so a big document never freezes
 * the drain or the UI. saxes expands no entities and reads no DTD, so a hostile document cannot
 * blow up memory or reach files.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ENTITY_MODEL_VERSION, type EdmProperty, type EntityModel } from './edm.ts';

const EDM = 'http://docs.oasis-open.org/odata/ns/edm';
const EDMX = 'http://docs.oasis-open.org/odata/ns/edmx';
const ALLOWED_VALUES = 'Org.OData.Validation.V1.AllowedValues';
const COMPUTED = 'Org.OData.Core.V1.Computed';

/** Characters handed to the parser between two turns of the event loop. */
const CHUNK = 1 << 20;
/** Base types and enums referring to further types: more passes than this means broken CSDL. */
const MAX_PASSES = 8;

/** The document is not usable CSDL, or does not describe the entity set; the message says why. */
export class MetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetadataError';
  }
}

interface Tag {
  /** the element's local name, or '' for an element outside the CSDL namespaces */
  name: string;
  attr: (local: string) => string | undefined;
}

type Visitor = { open(tag: Tag, parents: readonly string[]): void; close?(name: string, parents: readonly string[]): void; text?(text: string, parents: readonly string[]): void };

/** One pass over the XML. `parents` are the names of the open elements around the current one. */
async function walk(xml: string, visitor: Visitor): Promise<void> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: string[] = [];
  parser.on('opentag', (node: SaxesTagNS) => {
    const name = node.uri === EDM || node.uri === EDMX ? node.local : '';
    const attributes = node.attributes;
    // CSDL attributes carry no namespace; a prefixed one of the same local name is someone else's
    const attr = (local: string) => {
      const a = attributes[local];
      return a && a.uri === '' ? a.value : undefined;
    };
    visitor.open({ name, attr }, stack);
    stack.push(name);
    if (node.isSelfClosing) {
      stack.pop();
      visitor.close?.(name, stack);
    }
  });
  parser.on('closetag', (node: SaxesTagNS) => {
    if (node.isSelfClosing) return;
    const name = stack.pop() ?? '';
    visitor.close?.(name, stack);
  });
  if (visitor.text) {
    const text = visitor.text;
    parser.on('text', (t: string) => text(t, stack));
  }
  try {
    for (let at = 0; at < xml.length; ) {
      let end = Math.min(at + CHUNK, xml.length);
      // never split a surrogate pair between two chunks
      if (end < xml.length && /[\ud800-\udbff]/.test(xml.charAt(end - 1))) end--;
      parser.write(xml.slice(at, end));
      at = end;
      if (at < xml.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    parser.close();
  } catch (e) {
    throw new MetadataError(`$metadata is not well-formed XML (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** XmlConvert-style escapes in identifiers (`In_x0020_Review`) back to the characters people type. */
export function decodeName(name: string): string {
  return name
    .replace(/_x([0-9A-Fa-f]{8})_/g, (m, hex: string) => safeChar(parseInt(hex, 16), m))
    .replace(/_x([0-9A-Fa-f]{4})_/g, (m, hex: string) => safeChar(parseInt(hex, 16), m));
}

function safeChar(code: number, fallback: string): string {
  return code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? fallback : String.fromCodePoint(code);
}

interface RawProperty {
  name: string;
  type: string;
  nullable: boolean;
  maxLength?: number;
  precision?: number;
  scale?: number;
}

interface RawEntity {
  baseType: string | null;
  keys: string[] | null;
  properties: RawProperty[];
}

interface RawEnum {
  members: string[];
  flags: boolean;
}

interface RawTypeDefinition {
  underlying: string;
  maxLength?: number;
  precision?: number;
  scale?: number;
}

interface PropertyNotes {
  allowed?: string[];
  computed?: boolean;
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function facets(tag: Tag): { maxLength?: number; precision?: number; scale?: number } {
  const out: { maxLength?: number; precision?: number; scale?: number } = {};
  const maxLength = count(tag.attr('MaxLength'));
  const precision = count(tag.attr('Precision'));
  const scale = count(tag.attr('Scale'));
  if (maxLength !== undefined) out.maxLength = maxLength;
  if (precision !== undefined && precision > 0) out.precision = precision;
  if (scale !== undefined) out.scale = scale;
  return out;
}

/**
 * The entity model of `entitySet` from CSDL XML. Throws MetadataError when the text
 * is not well-formed, not CSDL, or has no such entity set.
 */
export async function parseMetadata(xml: string, entitySet: string): Promise<EntityModel> {
  // ---- pass 1: aliases, and which entity type the set holds --------------------------------
  const aliases = new Map<string, string>();
  let setType: string | undefined;
  let schemas = 0;
  await walk(xml, {
    open(tag, parents) {
      if (tag.name === 'Include' && parents.at(-1) === 'Reference') {
        const ns = tag.attr('Namespace');
        const alias = tag.attr('Alias');
        if (ns && alias) aliases.set(alias, ns);
      } else if (tag.name === 'Schema') {
        schemas++;
        const ns = tag.attr('Namespace');
        const alias = tag.attr('Alias');
        if (ns && alias) aliases.set(alias, ns);
      } else if (tag.name === 'EntitySet' && parents.at(-1) === 'EntityContainer' && tag.attr('Name') === entitySet && setType === undefined) {
        setType = tag.attr('EntityType');
      }
    },
  });
  if (schemas === 0) throw new MetadataError('$metadata holds no OData v4 CSDL schema (is this an OData v4 service root?)');
  if (!setType) throw new MetadataError(`$metadata has no entity set ${entitySet}`);

  const qualify = (name: string): string => {
    const dot = name.lastIndexOf('.');
    if (dot < 0) return name;
    const ns = aliases.get(name.slice(0, dot));
    return ns ? `${ns}.${name.slice(dot + 1)}` : name;
  };
  const entityType = qualify(setType);

  // ---- passes 2…: the types needed, until nothing new is referred to -----------------------
  const entities = new Map<string, RawEntity>();
  const enums = new Map<string, RawEnum>();
  const definitions = new Map<string, RawTypeDefinition>();
  const notes = new Map<string, PropertyNotes>(); // "Type/Property" → what annotations say
  const wanted = new Set<string>([entityType]);
  const looked = new Set<string>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const round = [...wanted].filter((t) => !looked.has(t));
    if (round.length === 0) break;
    for (const t of round) looked.add(t);
    await collect(xml, new Set(round), qualify, { entities, enums, definitions, notes });
    for (const [, entity] of entities) {
      if (entity.baseType) wanted.add(entity.baseType);
      for (const p of entity.properties) if (!p.type.startsWith('Edm.') && !p.type.startsWith('Collection(')) wanted.add(p.type);
    }
  }

  // ---- the model: base types' properties first, annotations and referenced types applied ---
  const chain: string[] = [];
  for (let t: string | null = entityType; t && !chain.includes(t); t = entities.get(t)?.baseType ?? null) chain.unshift(t);
  if (!entities.has(entityType)) throw new MetadataError(`$metadata says entity set ${entitySet} holds ${setType}, but declares no such entity type`);
  const keys = new Set(chain.map((t) => entities.get(t)?.keys).find((k) => k !== null && k !== undefined) ?? []);
  const properties: EdmProperty[] = [];
  for (const typeName of chain) {
    for (const raw of entities.get(typeName)?.properties ?? []) {
      const note = notes.get(`${typeName}/${raw.name}`) ?? {};
      properties.push(resolveProperty(raw, enums, definitions, note, keys.has(raw.name)));
    }
  }
  return { version: ENTITY_MODEL_VERSION, entitySet, entityType, properties };
}

function resolveProperty(raw: RawProperty, enums: Map<string, RawEnum>, definitions: Map<string, RawTypeDefinition>, note: PropertyNotes, key: boolean): EdmProperty {
  const p: EdmProperty = { name: raw.name, type: raw.type, nullable: raw.nullable && !key };
  const definition = definitions.get(raw.type);
  if (definition) p.type = definition.underlying;
  for (const facet of ['maxLength', 'precision', 'scale'] as const) {
    const v = raw[facet] ?? definition?.[facet];
    if (v !== undefined) p[facet] = v;
  }
  const enumType = enums.get(raw.type);
  if (enumType) {
    p.members = enumType.members;
    if (enumType.flags) p.flags = true;
  } else if (note.allowed && note.allowed.length > 0 && p.type === 'Edm.String') {
    p.members = note.allowed;
  }
  if (key) p.key = true;
  if (note.computed) p.computed = true;
  return p;
}

interface Found {
  entities: Map<string, RawEntity>;
  enums: Map<string, RawEnum>;
  definitions: Map<string, RawTypeDefinition>;
  notes: Map<string, PropertyNotes>;
}

/** One pass keeping the declarations of `wanted` types and the annotations aimed at their properties. */
async function collect(xml: string, wanted: ReadonlySet<string>, qualify: (name: string) => string, found: Found): Promise<void> {
  const namespaces: string[] = [];
  let entity: RawEntity | null = null;
  let entityName = '';
  let enumType: RawEnum | null = null;
  /** where the annotation being read applies: "Type/Property" */
  let annotated: string | null = null;
  let term: 'allowed' | null = null;
  let valueText: string[] | null = null;

  const note = (target: string): PropertyNotes => {
    let n = found.notes.get(target);
    if (!n) found.notes.set(target, (n = {}));
    return n;
  };
  const qualified = (tag: Tag): string => `${namespaces.at(-1) ?? ''}.${tag.attr('Name') ?? ''}`;

  await walk(xml, {
    open(tag, parents) {
      const parent = parents.at(-1);
      switch (tag.name) {
        case 'Schema':
          namespaces.push(tag.attr('Namespace') ?? '');
          return;
        case 'EntityType':
          if (parent === 'Schema' && wanted.has(qualified(tag))) {
            entityName = qualified(tag);
            const base = tag.attr('BaseType');
            entity = { baseType: base ? qualify(base) : null, keys: null, properties: [] };
            found.entities.set(entityName, entity);
          }
          return;
        case 'PropertyRef':
          if (entity && parent === 'Key') (entity.keys ??= []).push(tag.attr('Name') ?? '');
          return;
        case 'Property':
          if (entity && parent === 'EntityType') {
            const name = tag.attr('Name') ?? '';
            const type = tag.attr('Type') ?? 'Edm.String';
            const collection = /^Collection\((.*)\)$/.exec(type);
            entity.properties.push({
              name,
              type: collection ? `Collection(${qualify(collection[1]!)})` : qualify(type),
              nullable: tag.attr('Nullable') !== 'false',
              ...facets(tag),
            });
            annotated = `${entityName}/${name}`;
          }
          return;
        case 'EnumType':
          if (parent === 'Schema' && wanted.has(qualified(tag))) {
            enumType = { members: [], flags: tag.attr('IsFlags') === 'true' };
            found.enums.set(qualified(tag), enumType);
          }
          return;
        case 'Member':
          if (enumType && parent === 'EnumType') enumType.members.push(decodeName(tag.attr('Name') ?? ''));
          return;
        case 'TypeDefinition':
          if (parent === 'Schema' && wanted.has(qualified(tag))) {
            found.definitions.set(qualified(tag), { underlying: qualify(tag.attr('UnderlyingType') ?? 'Edm.String'), ...facets(tag) });
          }
          return;
        case 'Annotations': {
          const target = tag.attr('Target') ?? '';
          const slash = target.indexOf('/');
          if (parent === 'Schema' && slash > 0 && !tag.attr('Qualifier')) {
            const typeName = qualify(target.slice(0, slash));
            if (wanted.has(typeName)) annotated = `${typeName}/${target.slice(slash + 1)}`;
          }
          return;
        }
        case 'Annotation': {
          // only annotations of a property itself, not those nested in records
          if (!annotated || (parent !== 'Property' && parent !== 'Annotations') || tag.attr('Qualifier')) return;
          const t = qualify(tag.attr('Term') ?? '');
          if (t === COMPUTED && tag.attr('Bool') !== 'false') note(annotated).computed = true;
          if (t === ALLOWED_VALUES) {
            term = 'allowed';
            note(annotated).allowed = [];
          }
          return;
        }
        case 'PropertyValue':
          if (term === 'allowed' && annotated && tag.attr('Property') === 'Value') {
            const s = tag.attr('String');
            if (s !== undefined) note(annotated).allowed!.push(s);
          }
          return;
        case 'String':
          if (term === 'allowed' && parent === 'PropertyValue') valueText = [];
          return;
        default:
          return;
      }
    },
    text(t) {
      valueText?.push(t);
    },
    close(name, parents) {
      switch (name) {
        case 'Schema':
          namespaces.pop();
          return;
        case 'EntityType':
          entity = null;
          return;
        case 'EnumType':
          enumType = null;
          return;
        case 'Property':
          if (entity) annotated = null;
          return;
        case 'Annotations':
          annotated = null;
          return;
        case 'Annotation':
          if (parents.at(-1) === 'Property' || parents.at(-1) === 'Annotations') term = null;
          return;
        case 'String':
          if (valueText && annotated) note(annotated).allowed!.push(valueText.join(''));
          valueText = null;
          return;
        default:
          return;
      }
    },
  });
}

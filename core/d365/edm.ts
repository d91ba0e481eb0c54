/**
 * What `$metadata` says about the fields of one entity, as the agent keeps it: the entity set's
 * entity type with its properties, each with its type and facets. This is what is cached in the
 * outbox (as JSON) and what every value is checked against when it is queued.
 */
import { z } from 'zod';

/** Bumped when the shape below changes: a cached model of another version is fetched again. */
export const ENTITY_MODEL_VERSION = 1;

export interface EdmProperty {
  name: string;
  /**
   * The primitive type values are checked as (`Edm.String`, `Edm.Date`…). For an enum it is the
   * enum's qualified name, and `members` lists what it accepts; a type definition is resolved to
   * its underlying type.
   */
  type: string;
  /** enum members, or a string property's `Validation.AllowedValues`, as people read them */
  members?: string[];
  /** an enum with IsFlags: a value may combine members, comma-separated */
  flags?: boolean;
  maxLength?: number;
  precision?: number;
  /** digits after the decimal point; absent where $metadata says variable or nothing */
  scale?: number;
  nullable: boolean;
  /** part of the entity's key: it says which record this is */
  key?: boolean;
  /** `Core.Computed`: the server sets it */
  computed?: boolean;
}

export interface EntityModel {
  version: typeof ENTITY_MODEL_VERSION;
  entitySet: string;
  /** qualified name of the entity type */
  entityType: string;
  properties: EdmProperty[];
}

const EdmPropertySchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  members: z.array(z.string()).optional(),
  flags: z.boolean().optional(),
  maxLength: z.number().int().nonnegative().optional(),
  precision: z.number().int().positive().optional(),
  scale: z.number().int().nonnegative().optional(),
  nullable: z.boolean(),
  key: z.boolean().optional(),
  computed: z.boolean().optional(),
});

export const EntityModelSchema = z.object({
  version: z.literal(ENTITY_MODEL_VERSION),
  entitySet: z.string().min(1),
  entityType: z.string().min(1),
  properties: z.array(EdmPropertySchema),
});

/** The model a cached JSON text holds, or null when it is unreadable or of another version. */
export function readEntityModel(json: string): EntityModel | null {
  try {
    const parsed = EntityModelSchema.safeParse(JSON.parse(json));
    return parsed.success ? (parsed.data as EntityModel) : null;
  } catch {
    return null;
  }
}

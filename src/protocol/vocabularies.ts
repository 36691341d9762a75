/**
 * Closed-vocabulary fields of the usage events: values the sender's code picks from a fixed list
 * (an OS, a tab kind, a login method) or a version number. A user never types them, so anything
 * outside the list is either a newer client or a field misused to carry text; either way it is
 * stored as `other`, never refused (a newer client must keep working) and never kept as sent.
 *
 * The lists are the JSON Schemas' (schemas/usage-vocabularies.schema.json, and the `version`
 * shape of usage-common): this module reads which field of which event refers to which list from
 * the request schemas themselves, so a list is written once and the stored-record check, which
 * validates against the same schemas, agrees with what ingest kept.
 */
import connectEventSchema from '../../schemas/connect-event.schema.json' with { type: 'json' };
import connectExtraEventSchema from '../../schemas/connect-extra-event.schema.json' with { type: 'json' };
import discoverEventSchema from '../../schemas/discover-event.schema.json' with { type: 'json' };
import usageCommonSchema from '../../schemas/usage-common.schema.json' with { type: 'json' };
import usageVocabulariesSchema from '../../schemas/usage-vocabularies.schema.json' with { type: 'json' };

/** What a value outside its vocabulary is stored as. */
export const OTHER = 'other';

/** One closed field: the values it may hold (its list, or the version shape). */
export type ClosedField = (value: string) => boolean;

/** Closed fields by their ProtoJSON path inside one message (e.g. `os`, `teleportVersion`). */
export type ClosedFields = ReadonlyMap<string, ClosedField>;

const LIST_REF = /^usage-vocabularies\.schema\.json#\/definitions\/(\w+)$/;
const VERSION_REF = 'usage-common.schema.json#/definitions/version';

const VOCABULARIES = usageVocabulariesSchema.definitions as Record<string, { enum: string[] }>;
const VERSION_PATTERN = new RegExp(usageCommonSchema.definitions.version.pattern, 'u');
const VERSION_MAX = usageCommonSchema.definitions.version.maxLength;

export const isVersion: ClosedField = (value) => value.length <= VERSION_MAX && VERSION_PATTERN.test(value);

/** `value` if the named vocabulary lists it, else `other`: what a sender does before sending. */
export function fromVocabulary(vocabulary: 'os' | 'arch', value: string): string {
  return VOCABULARIES[vocabulary]?.enum.includes(value) === true ? value : OTHER;
}

function closedField(ref: unknown): ClosedField | undefined {
  if (ref === VERSION_REF) return isVersion;
  const list = typeof ref === 'string' ? LIST_REF.exec(ref)?.[1] : undefined;
  if (list === undefined) return undefined;
  const values = VOCABULARIES[list]?.enum;
  if (values === undefined) throw new Error(`schema refers to vocabulary ${list}, which usage-vocabularies.schema.json does not define`);
  const allowed = new Set(values);
  return (value) => allowed.has(value);
}

type SchemaNode = { properties?: Record<string, SchemaNode>; $ref?: string };

/** The closed fields among `node`'s own properties. */
function closedFieldsOf(node: SchemaNode | undefined): ClosedFields {
  const fields = new Map<string, ClosedField>();
  for (const [name, property] of Object.entries(node?.properties ?? {})) {
    const check = closedField(property.$ref);
    if (check !== undefined) fields.set(name, check);
  }
  return fields;
}

/** Closed fields of each event member of a request schema, by member; members without any are left out. */
function closedMembersOf(schema: SchemaNode): ReadonlyMap<string, ClosedFields> {
  const members = new Map<string, ClosedFields>();
  for (const [member, node] of Object.entries(schema.properties ?? {})) {
    const fields = closedFieldsOf(node);
    if (fields.size > 0) members.set(member, fields);
  }
  return members;
}

/** Connect events of both services by oneof member (member names are unique across the two). */
export const CONNECT_CLOSED_FIELDS: ReadonlyMap<string, ClosedFields> = new Map([
  ...closedMembersOf(connectEventSchema as SchemaNode),
  ...closedMembersOf(connectExtraEventSchema as SchemaNode),
]);

/** The Discover request's own closed fields (its teleportVersion). */
export const DISCOVER_REQUEST_CLOSED_FIELDS: ClosedFields = closedFieldsOf(discoverEventSchema as SchemaNode);

/**
 * Replaces every value of `message` outside its field's vocabulary with `other`, in place, and
 * returns the paths replaced (`prefix` + field), for the metrics. A value that is not a string is
 * left to the schema check.
 */
export function closeVocabulary(message: Record<string, unknown>, fields: ClosedFields | undefined, prefix = ''): string[] {
  const replaced: string[] = [];
  for (const [field, allowed] of fields ?? []) {
    const value = message[field];
    if (typeof value === 'string' && !allowed(value)) {
      message[field] = OTHER;
      replaced.push(`${prefix}${field}`);
    }
  }
  return replaced;
}

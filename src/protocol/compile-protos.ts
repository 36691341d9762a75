/**
 * Turns the .proto files under schemas/ (the contract) into a FileDescriptorSet, so the runtime
 * descriptors can never drift from the files people read and hand to other clients. protobufjs
 * does the parsing; this module only maps its reflection objects onto descriptor messages with
 * fully-qualified type names and protoc's json_name rule. It runs at build time (build.mjs embeds
 * the result in the bundle) and under tsx, where protobufjs is a devDependency.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as FieldType,
  FileDescriptorSetSchema,
  type DescriptorProtoSchema,
  type EnumDescriptorProtoSchema,
  type FieldDescriptorProtoSchema,
  type FileDescriptorProtoSchema,
  type FileDescriptorSet,
} from '@bufbuild/protobuf/wkt';
import protobuf from 'protobufjs';
import { PROTO_FILES } from './proto-files.js';

type FileInit = MessageInitShape<typeof FileDescriptorProtoSchema>;
type MessageInit = MessageInitShape<typeof DescriptorProtoSchema>;
type EnumInit = MessageInitShape<typeof EnumDescriptorProtoSchema>;
type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema>;

const SCALARS: Record<string, FieldType> = {
  double: FieldType.DOUBLE,
  float: FieldType.FLOAT,
  int64: FieldType.INT64,
  uint64: FieldType.UINT64,
  int32: FieldType.INT32,
  fixed64: FieldType.FIXED64,
  fixed32: FieldType.FIXED32,
  bool: FieldType.BOOL,
  string: FieldType.STRING,
  bytes: FieldType.BYTES,
  uint32: FieldType.UINT32,
  sfixed32: FieldType.SFIXED32,
  sfixed64: FieldType.SFIXED64,
  sint32: FieldType.SINT32,
  sint64: FieldType.SINT64,
};

/** protoc's default json_name: drop underscores, upper-casing the letter after each. */
export const protoJsonName = (name: string): string => name.replace(/_+([a-z0-9])/g, (_, next: string) => next.toUpperCase());

/** protoc's name for a map field's synthetic entry message. */
const mapEntryName = (field: string): string => `${field.replace(/(?:^|_)([a-z0-9])/g, (_, next: string) => next.toUpperCase())}Entry`;

function typeOf(field: protobuf.Field): Pick<FieldInit, 'type' | 'typeName'> {
  const scalar = SCALARS[field.type];
  if (scalar !== undefined) return { type: scalar, typeName: '' };
  const resolved = field.resolvedType;
  if (resolved === null) throw new Error(`${field.fullName}: type ${field.type} did not resolve`);
  return { type: resolved instanceof protobuf.Enum ? FieldType.ENUM : FieldType.MESSAGE, typeName: resolved.fullName };
}

const isProto3Optional = (field: protobuf.Field): boolean => field.options?.['proto3_optional'] === true;

function enumDescriptor(type: protobuf.Enum): EnumInit {
  return { name: type.name, value: Object.entries(type.values).map(([name, number]) => ({ name, number })) };
}

function messageDescriptor(type: protobuf.Type): MessageInit {
  // protoc lists real oneofs first and the synthetic ones of proto3 `optional` fields after them.
  const oneofs = [
    ...type.oneofsArray.filter((oneof) => !oneof.fieldsArray.every(isProto3Optional)),
    ...type.oneofsArray.filter((oneof) => oneof.fieldsArray.every(isProto3Optional)),
  ];
  const nestedType: MessageInit[] = [];
  const field = type.fieldsArray.map((member): FieldInit => {
    const common = { name: member.name, number: member.id, jsonName: protoJsonName(member.name) };
    if (member instanceof protobuf.MapField) {
      const entry = mapEntryName(member.name);
      const key = SCALARS[member.keyType];
      if (key === undefined) throw new Error(`${member.fullName}: map key ${member.keyType} is not a scalar`);
      nestedType.push({
        name: entry,
        options: { mapEntry: true },
        field: [
          { name: 'key', number: 1, jsonName: 'key', label: Label.OPTIONAL, type: key },
          { name: 'value', number: 2, jsonName: 'value', label: Label.OPTIONAL, ...typeOf(member) },
        ],
      });
      return { ...common, label: Label.REPEATED, type: FieldType.MESSAGE, typeName: `${type.fullName}.${entry}` };
    }
    const oneofIndex = member.partOf === null ? undefined : oneofs.indexOf(member.partOf);
    return {
      ...common,
      label: member.repeated ? Label.REPEATED : Label.OPTIONAL,
      ...typeOf(member),
      ...(oneofIndex === undefined ? {} : { oneofIndex }),
      ...(isProto3Optional(member) ? { proto3Optional: true } : {}),
    };
  });
  for (const nested of type.nestedArray) {
    if (nested instanceof protobuf.Type) nestedType.push(messageDescriptor(nested));
  }
  return {
    name: type.name,
    field,
    nestedType,
    enumType: type.nestedArray.filter((nested): nested is protobuf.Enum => nested instanceof protobuf.Enum).map(enumDescriptor),
    oneofDecl: oneofs.map((oneof) => ({ name: oneof.name })),
  };
}

/** Every top-level type, enum and service of one file, with the files it imports. */
function fileDescriptor(root: protobuf.Root, schemasDir: string, file: string): FileInit & { dependency: string[] } {
  const absolute = resolve(schemasDir, file);
  const members: protobuf.ReflectionObject[] = [];
  const walk = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested.filename === absolute) members.push(nested);
      else if (nested instanceof protobuf.Namespace && !(nested instanceof protobuf.Type) && !(nested instanceof protobuf.Service)) walk(nested);
    }
  };
  walk(root);
  const packageName = members[0]?.parent?.fullName.replace(/^\./, '') ?? '';
  const imports = [...readFileSync(absolute, 'utf8').matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)].map((match) => match[1]!);
  return {
    name: file,
    package: packageName,
    syntax: 'proto3',
    dependency: imports,
    messageType: members.filter((member): member is protobuf.Type => member instanceof protobuf.Type).map(messageDescriptor),
    enumType: members.filter((member): member is protobuf.Enum => member instanceof protobuf.Enum).map(enumDescriptor),
    service: members
      .filter((member): member is protobuf.Service => member instanceof protobuf.Service)
      .map((service) => ({
        name: service.name,
        method: service.methodsArray.map((method) => ({
          name: method.name,
          inputType: method.resolvedRequestType!.fullName,
          outputType: method.resolvedResponseType!.fullName,
        })),
      })),
  };
}

/** `schemasDir` is passed in: at build time this module runs from a temporary bundle. */
export function compileProtos(schemasDir: string, files: readonly string[] = PROTO_FILES): FileDescriptorSet {
  const root = new protobuf.Root();
  // Imports name files relative to schemas/; the well-known types come bundled with protobufjs.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : resolve(schemasDir, target));
  root.loadSync(
    files.map((file) => resolve(schemasDir, file)),
    { keepCase: true },
  );
  root.resolveAll();
  // Dependencies before their dependents, as a registry reads them; the well-known types are
  // supplied by @bufbuild/protobuf itself.
  const ordered: FileInit[] = [];
  const visited = new Set<string>();
  const visit = (file: string): void => {
    if (visited.has(file) || file.startsWith('google/protobuf/')) return;
    visited.add(file);
    const descriptor = fileDescriptor(root, schemasDir, file);
    for (const dependency of descriptor.dependency) visit(dependency);
    ordered.push(descriptor);
  };
  for (const file of files) visit(file);
  return create(FileDescriptorSetSchema, { file: ordered });
}

export function compileProtosToBinary(schemasDir: string): Uint8Array {
  return toBinary(FileDescriptorSetSchema, compileProtos(schemasDir));
}

/**
 * Runtime descriptors for the services in schemas/*.proto, for @bufbuild/protobuf (no protoc or
 * generated code): the collector decodes binary and ProtoJSON with them, and tests build real
 * Connect clients from them. The agent never loads this module.
 */
import { create, createFileRegistry, fromBinary, type DescMessage, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FieldDescriptorProto_Type, FileDescriptorSetSchema, file_google_protobuf_duration, file_google_protobuf_timestamp } from '@bufbuild/protobuf/wkt';
import { descriptorSetBytes } from './descriptor-set.js';

let registry: FileRegistry | undefined;

/** Built on first use, so merely importing the collector costs nothing. */
export function protoRegistry(): FileRegistry {
  registry ??= registryOf(() => undefined);
  return registry;
}

/**
 * A registry of our files, each one first given to `edit` (a fresh copy of its descriptor). The
 * set holds only our files; the well-known types they import come with the library.
 */
function registryOf(edit: (file: ReturnType<typeof fromBinary<typeof FileDescriptorSetSchema>>['file'][number]) => void): FileRegistry {
  const ours = fromBinary(FileDescriptorSetSchema, descriptorSetBytes()).file;
  for (const file of ours) edit(file);
  return createFileRegistry(create(FileDescriptorSetSchema, { file: [file_google_protobuf_timestamp.proto, file_google_protobuf_duration.proto, ...ours] }));
}

const opaqueRegistries = new Map<string, FileRegistry>();

/**
 * `typeName` as a variant of the contracts where each named message field (`Message.field`, a
 * message or a list of messages) is read as `bytes` instead: the same wire format, so a decoder
 * leaves those messages as the bytes they came in, for a reader of its own. Such a variant decodes
 * what the contract decodes, but its messages are not the contract's: it never reaches toJson for
 * those fields, nor any client.
 */
export function messageSchemaWithOpaqueFields(typeName: string, opaque: readonly string[]): DescMessage {
  const key = opaque.join(',');
  let variant = opaqueRegistries.get(key);
  if (variant === undefined) {
    variant = registryOf((file) => {
      for (const message of file.messageType)
        for (const field of message.field)
          if (opaque.includes(`${file.package}.${message.name}.${field.name}`)) {
            field.type = FieldDescriptorProto_Type.BYTES;
            field.typeName = '';
          }
    });
    opaqueRegistries.set(key, variant);
  }
  const message = variant.getMessage(typeName);
  if (message === undefined) throw new Error(`schemas/*.proto has no message ${typeName}`);
  return message;
}

export function messageSchema(typeName: string): DescMessage {
  const message = protoRegistry().getMessage(typeName);
  if (message === undefined) throw new Error(`schemas/*.proto has no message ${typeName}`);
  return message;
}

export function serviceSchema(typeName: string): DescService {
  const service = protoRegistry().getService(typeName);
  if (service === undefined) throw new Error(`schemas/*.proto has no service ${typeName}`);
  return service;
}

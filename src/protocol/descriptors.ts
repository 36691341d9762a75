/**
 * Runtime descriptors for the services in schemas/*.proto, for @bufbuild/protobuf (no protoc or
 * generated code): the collector decodes binary and ProtoJSON with them, and tests build real
 * Connect clients from them. The agent never loads this module.
 */
import { create, createFileRegistry, fromBinary, type DescMessage, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, file_google_protobuf_duration, file_google_protobuf_timestamp } from '@bufbuild/protobuf/wkt';
import { descriptorSetBytes } from './descriptor-set.js';

let registry: FileRegistry | undefined;

/** Built on first use, so merely importing the collector costs nothing. */
export function protoRegistry(): FileRegistry {
  if (registry === undefined) {
    const ours = fromBinary(FileDescriptorSetSchema, descriptorSetBytes()).file;
    // The set holds only our files; the well-known types they import come with the library.
    registry = createFileRegistry(create(FileDescriptorSetSchema, { file: [file_google_protobuf_timestamp.proto, file_google_protobuf_duration.proto, ...ours] }));
  }
  return registry;
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

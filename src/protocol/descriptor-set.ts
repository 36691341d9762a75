/**
 * The compiled descriptors of schemas/*.proto. Under tsx this compiles the files on first use;
 * build.mjs swaps this module for one holding the same bytes, compiled at build time, so the
 * bundle carries neither protobufjs nor the .proto files.
 */
import { fileURLToPath } from 'node:url';
import { compileProtosToBinary } from './compile-protos.js';

const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

export function descriptorSetBytes(): Uint8Array {
  return compileProtosToBinary(SCHEMAS_DIR);
}

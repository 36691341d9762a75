/**
 * Decoding a request message in either Connect encoding with the runtime descriptors, shared by
 * every service. Both paths end in the same canonical ProtoJSON object, which is what services
 * validate against their JSON Schemas and what the store keeps.
 */
import { fromBinary, fromJson, toJson, type DescMessage, type JsonValue, type Message } from '@bufbuild/protobuf';
import { ConnectFailure, type Encoding } from './connect-protocol.js';

const decodeFailure = (message: string): ConnectFailure => new ConnectFailure(400, 'invalid_argument', message, 'decode');

/** The number of the first unknown field in the message or the oneof value it holds, if any. */
function firstUnknownField(message: Record<string, unknown>, path: string): string | undefined {
  const unknown = message['$unknown'] as { no: number }[] | undefined;
  if (unknown !== undefined && unknown.length > 0) return `${path}field number ${unknown[0]?.no}`;
  for (const value of Object.values(message)) {
    const oneof = value as { case?: string; value?: unknown } | undefined;
    if (oneof !== null && typeof oneof === 'object' && typeof oneof.case === 'string' && typeof oneof.value === 'object' && oneof.value !== null) {
      const nested = firstUnknownField(oneof.value as Record<string, unknown>, `${oneof.case}.`);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

/** Canonical ProtoJSON: every field present (Go's protojson omits zero values). */
function canonical(schema: DescMessage, message: Message): JsonValue {
  return toJson(schema, message, { alwaysEmitImplicit: true });
}

function parseJsonText(body: Buffer): JsonValue {
  let text: string;
  try {
    // Invalid UTF-8 must not be silently replaced with U+FFFD and stored.
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw decodeFailure('body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw decodeFailure(error instanceof RangeError ? 'JSON nested too deeply' : 'malformed JSON');
  }
}

/**
 * `isCanonical` lets a service accept, as is, a JSON body already in canonical form (what our own
 * clients send), skipping the reflective round trip; anything else goes through it.
 */
export function decodeRequest(schema: DescMessage, encoding: Encoding, body: Buffer, isCanonical: (value: unknown) => boolean = () => false): JsonValue {
  if (encoding === 'json') {
    const parsed = parseJsonText(body);
    if (isCanonical(parsed)) return parsed;
    try {
      return canonical(schema, fromJson(schema, parsed, { ignoreUnknownFields: false }));
    } catch (error) {
      throw decodeFailure((error as Error).message.replace(/^cannot decode (message )?/, ''));
    }
  }
  let message: Message;
  try {
    message = fromBinary(schema, body, { readUnknownFields: true });
  } catch (error) {
    throw decodeFailure(`malformed protobuf: ${(error as Error).message}`);
  }
  const unknown = firstUnknownField(message as unknown as Record<string, unknown>, '');
  if (unknown !== undefined) throw decodeFailure(`unknown field: ${unknown}`);
  return canonical(schema, message);
}

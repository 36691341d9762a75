/**
 * binaryToProtoJson against the reference library: for every message of the contracts it models,
 * on random messages (every field kind, zero and non-zero values, unknown enum numbers, packed and
 * unpacked lists) and on damaged bytes (truncated, bytes changed, unknown fields added), it gives
 * exactly what toJson(fromBinary(…)) gives, or gives up. Where the library refuses the bytes or
 * keeps unknown fields, it must give up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBinary, ScalarType, toBinary, toJson, type DescMessage, type Message } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { binaryToProtoJson } from '../../src/protocol/binary-to-proto-json.js';
import { protoRegistry } from '../../src/protocol/descriptors.js';
import { randomFrom, randomMessage } from '../helpers/random-proto.js';

/** The library's answer: its JSON, or undefined when it refuses the bytes or keeps unknown fields (where ours must give up). */
function reference(desc: DescMessage, bytes: Uint8Array): unknown {
  let message: Message;
  try {
    message = fromBinary(desc, bytes, { readUnknownFields: true });
  } catch {
    return undefined;
  }
  const hasUnknown = (value: unknown): boolean =>
    typeof value === 'object' &&
    value !== null &&
    (('$unknown' in value && ((value as { $unknown?: unknown[] }).$unknown?.length ?? 0) > 0) || Object.values(value).some(hasUnknown));
  if (hasUnknown(message)) return undefined;
  return toJson(desc, message, { useProtoFieldName: true });
}

const MESSAGES = ['prehog.v1.UserActivityReport', 'prehog.v1.UserActivityRecord', 'prehog.v1.ResourcePresenceReport', 'prehog.v1.BotInstanceActivityReport'];

describe('binaryToProtoJson', () => {
  it('knows the messages the collector uses it on', () => {
    for (const name of MESSAGES) assert.ok(protoRegistry().getMessage(name), name);
  });

  for (const name of MESSAGES) {
    it(`${name}: the library's JSON on random messages, and gives up wherever the library refuses or keeps unknown fields`, () => {
      const desc = protoRegistry().getMessage(name)!;
      const random = randomFrom(name.length * 7919);
      let answered = 0;
      let damagedAnswered = 0;
      for (let round = 0; round < 400; round += 1) {
        const bytes = toBinary(desc, randomMessage(desc, random));
        const ours = binaryToProtoJson(desc, bytes);
        // Every field kind these contracts use is modelled: a whole message is always answered.
        assert.notEqual(ours, undefined, `round ${round}: gave up on a well-formed message`);
        assert.deepEqual(ours, reference(desc, bytes), `round ${round}`);
        assert.equal(JSON.stringify(ours), JSON.stringify(reference(desc, bytes)), `round ${round}: key order`);
        answered += 1;
        // Damaged: truncated, a byte changed, or an unknown field appended.
        const damaged = [bytes.subarray(0, Math.floor(random() * bytes.length)), Uint8Array.from(bytes), appendUnknown(bytes, random)];
        if (damaged[1]!.length > 0) damaged[1]![Math.floor(random() * damaged[1]!.length)] = Math.floor(random() * 256);
        for (const variant of damaged) {
          const mine = binaryToProtoJson(desc, variant);
          if (mine === undefined) continue;
          damagedAnswered += 1;
          assert.equal(JSON.stringify(mine), JSON.stringify(reference(desc, variant)), `round ${round}: a damaged variant`);
        }
      }
      assert.equal(answered, 400);
      assert.ok(damagedAnswered > 0, 'some damaged variants are still messages, and were answered alike');
    });
  }

  it('gives up on a singular message field that occurs twice (the library merges them) and on a string with a leading byte order mark', () => {
    const record = protoRegistry().getMessage('prehog.v1.SessionSummariesAccessedRecord')!;
    const text = record.fields.find((field) => field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING)!;
    const bom = new BinaryWriter().tag(text.number, WireType.LengthDelimited).string('\ufeffssh').finish();
    assert.equal(binaryToProtoJson(record, bom), undefined);
    assert.equal(binaryToProtoJson(record, new BinaryWriter().tag(text.number, WireType.LengthDelimited).string('ssh').finish())?.[text.name], 'ssh');
    const desc = protoRegistry().getMessage('prehog.v1.UserActivityReport')!;
    const startTime = desc.fields.find((field) => field.name === 'start_time')!;
    const twice = new BinaryWriter()
      .tag(startTime.number, WireType.LengthDelimited)
      .bytes(Uint8Array.of(8, 1))
      .tag(startTime.number, WireType.LengthDelimited)
      .bytes(Uint8Array.of(16, 2))
      .finish();
    assert.equal(binaryToProtoJson(desc, twice), undefined);
  });
});

function appendUnknown(bytes: Uint8Array, random: () => number): Uint8Array {
  const writer = new BinaryWriter();
  writer.raw(bytes);
  writer.tag(9000 + Math.floor(random() * 100), WireType.Varint).uint32(7);
  return writer.finish();
}

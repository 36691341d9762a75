/**
 * A sealed segment's gzip members (src/collector/store/sealed-members.ts): each is a gzip member
 * that gzip itself and Node read, whose header gives its size; a file of them is read back with
 * blocking calls from any text offset, in pieces of the size asked; a file of any other gzip is
 * left to the stream; and damage (a cut, a flipped byte, a size that lies) is an error that says
 * where, never a wrong text or an unbounded buffer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { blockingMemberText, DamagedMemberError, gzipMember, MEMBER_HEADER, MEMBER_TEXT, memberSize, type ReadAt } from '../../src/collector/store/sealed-members.js';
import { makeWorkspace } from '../helpers/workspace.js';

/** A text like a segment's, `lines` lines long, with some randomness so that it does not shrink to nothing. */
function segmentText(lines: number): Buffer {
  return Buffer.from(
    Array.from(
      { length: lines },
      (_, index) => `{"received_at":"2026-11-20T00:00:${String(index % 60).padStart(2, '0')}.000Z","family":"tbot","uuid":"${randomBytes(16).toString('hex')}"}\n`,
    ).join(''),
  );
}

/** The members of `text` as the sealing writes them: MEMBER_TEXT bytes each. */
async function membersOf(text: Buffer): Promise<Buffer> {
  const members: Buffer[] = [];
  for (let at = 0; at < text.length; at += MEMBER_TEXT) members.push(await gzipMember(text.subarray(at, at + MEMBER_TEXT), 6));
  return Buffer.concat(members);
}

const readerOf =
  (file: Buffer): ReadAt =>
  (into, length, position) => {
    const piece = file.subarray(position, position + length);
    piece.copy(into);
    return piece.length;
  };

function readText(file: Buffer, start: number, chunk: number): Buffer[] {
  const pieces = blockingMemberText(readerOf(file), start, chunk);
  assert.ok(pieces !== undefined, 'a file of members is read as one');
  return [...pieces];
}

describe('sealed segment members', () => {
  it('a member is gzip that Node and gzip read, and its header says its size', async (t) => {
    const text = segmentText(300);
    const member = await gzipMember(text, 6);
    assert.deepEqual(gunzipSync(member), text);
    assert.equal(memberSize(member.subarray(0, MEMBER_HEADER)), member.length);
    const workspace = await makeWorkspace('tbot-members-');
    t.after(() => workspace.remove());
    const path = join(workspace.dir, 'two.gz');
    const second = segmentText(50);
    await writeFile(path, Buffer.concat([member, await gzipMember(second, 6)]));
    assert.deepEqual(execFileSync('gzip', ['-dc', path], { maxBuffer: 16 * 1024 * 1024 }), Buffer.concat([text, second]));
    execFileSync('gzip', ['-t', path]);
  });

  it('a file of members reads back from any offset, in pieces no larger than asked', async () => {
    const text = segmentText(9000);
    assert.ok(text.length > 2 * MEMBER_TEXT, 'the text spans three members at least');
    const file = await membersOf(text);
    for (const start of [0, 1, MEMBER_TEXT - 1, MEMBER_TEXT, MEMBER_TEXT + 17, text.length - 1, text.length, text.length + 5]) {
      for (const chunk of [4096, 64 * 1024, 1024 * 1024]) {
        const pieces = readText(file, start, chunk);
        assert.ok(
          pieces.every((piece) => piece.length > 0 && piece.length <= chunk),
          `pieces from ${start} within ${chunk}`,
        );
        assert.deepEqual(Buffer.concat(pieces), text.subarray(Math.min(start, text.length)), `from ${start} in pieces of ${chunk}`);
      }
    }
    assert.deepEqual(readText(await gzipMember(Buffer.alloc(0), 6), 0, 4096), [], 'an empty segment is one empty member');
  });

  it('gzip not made of our members, and anything that is not gzip, is left to the stream', () => {
    const text = segmentText(100);
    for (const other of [gzipSync(text), Buffer.from('not gzip at all, long enough for a header'), Buffer.alloc(0)])
      assert.equal(blockingMemberText(readerOf(other), 0, 4096), undefined);
  });

  it('a member holds at most MEMBER_TEXT bytes of text', async () => {
    await assert.rejects(gzipMember(Buffer.alloc(MEMBER_TEXT + 1), 6), RangeError);
  });

  it('damage is an error that says where: a cut, a flipped byte, a size that lies, bytes after the last member', async () => {
    const text = segmentText(4000);
    const file = await membersOf(text);
    const first = memberSize(file.subarray(0, MEMBER_HEADER))!;
    const damaged = (change: (copy: Buffer) => Buffer): Buffer => change(Buffer.from(file));
    const cases: [string, Buffer, RegExp][] = [
      ['cut in the last member', file.subarray(0, file.length - 10), /cut short/],
      ['cut in a header', file.subarray(0, first + 5), /no gzip member .* at byte \d+/],
      [
        'a flipped byte of deflated text',
        damaged((copy) => {
          copy[first + MEMBER_HEADER + 100]! ^= 0xff;
          return copy;
        }),
        new RegExp(`the gzip member at byte ${first}:`),
      ],
      [
        'a CRC that does not match',
        damaged((copy) => {
          copy[first - 6]! ^= 0x01;
          return copy;
        }),
        /the gzip member at byte 0:/,
      ],
      [
        'a size past the bound',
        damaged((copy) => {
          copy.writeUInt32LE(64 * 1024 * 1024, first + 16);
          return copy;
        }),
        new RegExp(`no gzip member of a sealed segment at byte ${first}`),
      ],
      ['bytes after the last member', Buffer.concat([file, Buffer.from('junk after the members, more than a header')]), /no gzip member/],
    ];
    for (const [name, bytes, message] of cases) {
      assert.throws(
        () => readText(bytes, 0, 64 * 1024),
        (error: unknown) => error instanceof DamagedMemberError && message.test(error.message),
        name,
      );
    }
  });

  it('a trailer that claims a huge text does not size a buffer by it', async () => {
    const member = await gzipMember(segmentText(20), 6);
    member.writeUInt32LE(0xffffffff, member.length - 4);
    assert.throws(
      () => readText(member, 0, 4096),
      (error: unknown) => error instanceof DamagedMemberError && /the gzip member at byte 0:/.test(error.message),
    );
  });
});

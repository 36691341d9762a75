/**
 * How a sealed segment's gzip file is laid out: a series of gzip members (RFC 1952 allows any
 * number, and gzip, zcat and Node's gunzip read them as one text), each holding a piece of the
 * segment's text (MEMBER_TEXT bytes, at most MEMBER_TEXT_MAX), and each saying in its header how
 * long it is.
 *
 * Why members: a thread that may block (a report's worker, the shipper's thread) reads a plain
 * segment with blocking reads, but Node has no blocking way to inflate a single gzip stream piece
 * by piece; its inflate stream costs a trip through the thread pool and its promises per piece,
 * which made a report over sealed segments twice as slow as over plain ones (bench/segment-gzip.ts).
 * A member of known size is read and inflated whole with blocking calls (zlib checks its CRC and
 * length), in bounded memory. The BGZF format (SAM/BAM) does the same with 64 KiB blocks.
 *
 * A member's header is the 10 fixed bytes with FLG.FEXTRA set, then one extra subfield, `TB`
 * (4 bytes): the member's whole size in bytes, little-endian. Any gzip file without that header
 * (one sealed by an older collector, say) is still read, by the stream.
 */
import { crc32, deflateRaw, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';

/**
 * The text the writer puts in one member. Smaller members inflate into memory that stays in the
 * CPU's cache while the lines are read from it; each member also starts its compression afresh.
 * Measured on 300,000 stored events (one thread): a tbot report took 1.2 to 1.3 CPU-seconds over
 * 256 KiB members, 1.3 to 1.4 over 1 MiB ones, 1.6 to 1.7 over one stream, against 0.8 over the
 * plain segments; the files were 2% and 0.4% larger than one stream.
 */
export const MEMBER_TEXT = 256 * 1024;
/**
 * The most text a reader accepts in one member, inflated whole: it bounds what a blocking reader
 * holds at once. Larger than MEMBER_TEXT, so that a writer may change its size up to this.
 */
const MEMBER_TEXT_MAX = 1024 * 1024;
/** The most a member can take on disk: deflate never grows a text by more than a few bytes per 16 KiB. */
const MEMBER_MAX = MEMBER_TEXT_MAX + 64 * 1024;
/** ID1 ID2 CM FLG(FEXTRA) MTIME(4) XFL OS, XLEN, then the subfield: SI1 SI2 LEN(2) and the size (4). */
export const MEMBER_HEADER = 20;
const TRAILER = 8;
const FEXTRA = 0x04;
/** OS 255: unknown, as RFC 1952 says when the writer does not say. */
const OS_UNKNOWN = 255;

const deflateRawAsync = promisify(deflateRaw);

/** One member holding `text` (at most MEMBER_TEXT bytes), deflated at `level` in the thread pool. */
export async function gzipMember(text: Buffer, level: number): Promise<Buffer> {
  if (text.length > MEMBER_TEXT) throw new RangeError(`a gzip member holds at most ${MEMBER_TEXT} bytes of text, not ${text.length}`);
  const deflated = await deflateRawAsync(text, { level });
  const member = Buffer.allocUnsafe(MEMBER_HEADER + deflated.length + TRAILER);
  member.set([0x1f, 0x8b, 8, FEXTRA, 0, 0, 0, 0, 0, OS_UNKNOWN], 0);
  member.writeUInt16LE(8, 10);
  member.set([0x54, 0x42], 12); // 'T' 'B'
  member.writeUInt16LE(4, 14);
  member.writeUInt32LE(member.length, 16);
  deflated.copy(member, MEMBER_HEADER);
  member.writeUInt32LE(crc32(text), MEMBER_HEADER + deflated.length);
  member.writeUInt32LE(text.length, MEMBER_HEADER + deflated.length + 4);
  return member;
}

/** The size a member header gives, or undefined when `header` is not one of ours. */
export function memberSize(header: Buffer): number | undefined {
  if (header.length < MEMBER_HEADER) return undefined;
  const ours =
    header[0] === 0x1f &&
    header[1] === 0x8b &&
    header[2] === 8 &&
    header[3] === FEXTRA &&
    header.readUInt16LE(10) === 8 &&
    header[12] === 0x54 &&
    header[13] === 0x42 &&
    header.readUInt16LE(14) === 4;
  if (!ours) return undefined;
  const size = header.readUInt32LE(16);
  return size >= MEMBER_HEADER + TRAILER && size <= MEMBER_MAX ? size : undefined;
}

/** A sealed file is not what its members say (cut short, a member damaged): `reason` says how. */
export class DamagedMemberError extends Error {
  override name = 'DamagedMemberError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Reads `length` bytes at `position` into `into`, fewer only at the end of the file. */
export type ReadAt = (into: Buffer, length: number, position: number) => number;

/**
 * The text of a file of members, from text offset `start`, in pieces of at most `chunk` bytes, with
 * blocking reads: undefined when the file does not begin with one of our members (read it as any
 * gzip). Each member is inflated whole (its CRC and length checked), also those before `start`.
 */
export function blockingMemberText(read: ReadAt, start: number, chunk: number): Generator<Buffer> | undefined {
  const header = Buffer.allocUnsafe(MEMBER_HEADER);
  if (memberSize(header.subarray(0, read(header, MEMBER_HEADER, 0))) === undefined) return undefined;
  return members(read, start, chunk);
}

function* members(read: ReadAt, start: number, chunk: number): Generator<Buffer> {
  const member = Buffer.allocUnsafe(MEMBER_MAX);
  let position = 0;
  let skip = start;
  for (;;) {
    const got = read(member, MEMBER_HEADER, position);
    if (got === 0) return;
    const size = memberSize(member.subarray(0, got));
    if (size === undefined) throw new DamagedMemberError(`no gzip member of a sealed segment at byte ${position}`);
    if (read(member, size, position) < size) throw new DamagedMemberError(`the gzip member at byte ${position} is cut short`);
    const textLength = member.readUInt32LE(size - 4);
    let text: Buffer;
    try {
      // The length is the trailer's, not yet checked: it sizes the output buffer only within the bound.
      text = gunzipSync(member.subarray(0, size), { chunkSize: Math.min(MEMBER_TEXT_MAX, Math.max(64, textLength)), maxOutputLength: MEMBER_TEXT_MAX });
    } catch (error) {
      throw new DamagedMemberError(`the gzip member at byte ${position}: ${(error as Error).message}`);
    }
    position += size;
    if (skip >= text.length) {
      skip -= text.length;
      continue;
    }
    for (let at = skip; at < text.length; at += chunk) yield text.subarray(at, Math.min(text.length, at + chunk));
    skip = 0;
  }
}

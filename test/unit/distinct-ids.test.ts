/**
 * Distinct ids held as numbers per tally (Connect's installations): every spelling of an id is its
 * own member, as when the sets held strings; a set turns into a bitset once dense and still holds
 * the same members; and merging parts numbered apart (as worker threads do, their index
 * transferred) gives the same sets as one plain union of the strings.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import {
  addId,
  emptyIdNumbers,
  forEachId,
  type IdNumbers,
  type IdSets,
  idNumber,
  idNumbersBuffers,
  idSetSize,
  mergeIdSets,
  renumber,
  unionSize,
} from '../../src/collector/report/distinct-ids.js';
import { PAGE } from '../../src/collector/report/paged.js';

const UUID = '3b241101-e2bb-4255-8caf-4136c566a962';
const SPELLINGS = [UUID, UUID.toUpperCase(), `{${UUID}}`, UUID.replaceAll('-', ''), `${UUID.slice(0, 35)}g`, '__proto__', '', 'install-1', 'ünï-code'];

interface Part {
  ids: IdNumbers;
  sets: IdSets;
  /** The same sightings as strings: what the numbers must answer like. */
  plain: Map<string, Set<string>>;
}

function foldPart(sightings: [key: string, id: string][]): Part {
  const part: Part = { ids: emptyIdNumbers(), sets: new Map(), plain: new Map() };
  for (const [key, id] of sightings) {
    addId(part.ids, part.sets, key, idNumber(part.ids, id));
    const plain = part.plain.get(key) ?? part.plain.set(key, new Set()).get(key)!;
    plain.add(id);
  }
  return part;
}

interface Answers {
  sizes: Record<string, number>;
  everyone: number;
}

/** Key → member count, and the union's size: all a report reads from the sets. */
function answers(part: Part): Answers {
  const listed = new Map<string, Set<number>>();
  for (const [key, set] of part.sets) {
    const members = new Set<number>();
    forEachId(set, (number) => members.add(number));
    assert.equal(members.size, idSetSize(set), `the size of ${key} counts its members`);
    listed.set(key, members);
  }
  const sizes = Object.fromEntries([...listed].map(([key, members]) => [key, members.size]).sort());
  return { sizes, everyone: unionSize(part.sets.values(), part.ids.count) };
}

function plainAnswers(plain: Map<string, Set<string>>): Answers {
  const everyone = new Set<string>();
  for (const members of plain.values()) for (const member of members) everyone.add(member);
  return { sizes: Object.fromEntries([...plain].map(([key, members]) => [key, members.size]).sort()), everyone: everyone.size };
}

/** A copy as postMessage makes it, the index's buffers transferred. */
async function throughPostMessage(part: Part): Promise<Part> {
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<Part>((resolve) => port2.once('message', resolve));
  port1.postMessage(part, idNumbersBuffers(part.ids));
  const copy = await received;
  port1.close();
  return copy;
}

describe('distinct ids counted by number', () => {
  it('numbers every spelling of an id apart, and the same id the same', () => {
    const ids = emptyIdNumbers();
    const numbers = SPELLINGS.map((id) => idNumber(ids, id));
    assert.deepEqual(numbers, [...SPELLINGS.keys()]);
    assert.deepEqual(
      SPELLINGS.map((id) => idNumber(ids, id)),
      numbers,
    );
    assert.equal(ids.count, SPELLINGS.length);
  });

  it('a dense set becomes a bitset, a sparse one stays a Set, and both hold what the strings did', () => {
    const ids = Array.from({ length: 3 * PAGE }, () => randomUUID());
    // "daily" holds every id (dense); each "version" holds about 1 in 1,000 of them (sparse);
    // "early" holds the first 64 ids (dense while they are all there are), then the last.
    const sightings: [string, string][] = ids.flatMap((id, index): [string, string][] => [
      ['daily', id],
      [`version ${index % 1_000}`, id],
      ...(index < 64 || index === ids.length - 1 ? [['early', id] as [string, string]] : []),
    ]);
    const part = foldPart(sightings.slice(0, -1));
    assert.ok(part.sets.get('early') instanceof Uint32Array, 'dense while the tally is small: a bitset');
    addId(part.ids, part.sets, 'early', idNumber(part.ids, ids.at(-1)!));
    part.plain.get('early')!.add(ids.at(-1)!);
    assert.ok(part.sets.get('early') instanceof Set, 'sparse once the tally has grown: a Set again');
    assert.ok(part.sets.get('daily') instanceof Uint32Array, 'the dense set is a bitset');
    assert.ok(part.sets.get('version 7') instanceof Set, 'a sparse set stays a Set');
    assert.deepEqual(answers(part), plainAnswers(part.plain));
  });

  it('merging parts numbered apart gives the sets a plain union of the strings gives', async () => {
    // Enough UUIDs to fill several pages of the index, shared in part between the parts, and every odd spelling.
    const shared = Array.from({ length: PAGE / 2 }, () => randomUUID());
    const days = ['2026-11-01', '2026-11-02', '2026-11-03', '__proto__'];
    const sightings = (seed: number): [string, string][] => {
      const own = Array.from({ length: PAGE / 2 }, () => randomUUID());
      const ids = [...own, ...shared.filter((_, index) => index % (seed + 2) === 0), ...SPELLINGS];
      // Days are dense; one key per 500 ids (by position) is sparse.
      return ids.flatMap((id, index): [string, string][] => [
        [days[(index + seed) % days.length]!, id],
        [`sparse ${index % 500}`, id],
      ]);
    };
    const parts = [foldPart(sightings(0)), foldPart(sightings(1)), foldPart(sightings(2))];
    const plain = new Map<string, Set<string>>();
    for (const part of parts)
      for (const [key, members] of part.plain) {
        const into = plain.get(key) ?? plain.set(key, new Set()).get(key)!;
        for (const member of members) into.add(member);
      }

    const target = foldPart([]);
    for (const part of parts) {
      const copy = await throughPostMessage(part);
      assert.equal(part.ids.index.slots.byteLength, 0, "the part's index was transferred, not copied");
      mergeIdSets(target.ids, target.sets, copy.sets, renumber(target.ids, copy.ids));
    }
    assert.deepEqual(answers(target), plainAnswers(plain));
    assert.equal(target.ids.count, plainAnswers(plain).everyone, 'each distinct id numbered once');
  });

  it('a merge renumbers: a part whose numbers mean other ids in the target', () => {
    const first = foldPart([
      ['day', 'a'],
      ['day', 'b'],
    ]);
    const second = foldPart([
      ['day', 'b'],
      ['day', 'c'],
      ['other', 'a'],
    ]);
    mergeIdSets(first.ids, first.sets, second.sets, renumber(first.ids, second.ids));
    assert.deepEqual(answers(first), { sizes: { day: 3, other: 1 }, everyone: 3 });
  });
});

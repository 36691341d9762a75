/**
 * Distinct ids held as numbers per tally (Connect's installations): every spelling of an id is its
 * own member, as when the sets held strings, and merging parts numbered apart (as worker threads
 * do, their index transferred) gives the same sets as one plain union of the strings.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { addId, emptyIdNumbers, idNumber, idNumbersBuffers, type IdNumbers, type IdSets, mergeIdSets, renumber } from '../../src/collector/report/distinct-ids.js';
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
    addId(part.sets, key, idNumber(part.ids, id));
    const plain = part.plain.get(key) ?? part.plain.set(key, new Set()).get(key)!;
    plain.add(id);
  }
  return part;
}

/** Key → member count, and the union's size: all a report reads from the sets. */
function answers(sets: Map<string, Set<unknown>>): { sizes: Record<string, number>; everyone: number } {
  const everyone = new Set<unknown>();
  for (const members of sets.values()) for (const member of members) everyone.add(member);
  return { sizes: Object.fromEntries([...sets].map(([key, members]) => [key, members.size]).sort()), everyone: everyone.size };
}

/** A copy as postMessage makes it, the index's buffers transferred. */
async function throughPostMessage(part: Part): Promise<Part> {
  const { MessageChannel } = await import('node:worker_threads');
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

  it('merging parts numbered apart gives the sets a plain union of the strings gives', async () => {
    // Enough UUIDs to fill several pages of the index, shared in part between the parts, and every odd spelling.
    const shared = Array.from({ length: PAGE / 2 }, () => randomUUID());
    const days = ['2026-11-01', '2026-11-02', '2026-11-03', '__proto__'];
    const sightings = (seed: number): [string, string][] => {
      const own = Array.from({ length: PAGE / 2 }, () => randomUUID());
      const ids = [...own, ...shared.filter((_, index) => index % (seed + 2) === 0), ...SPELLINGS];
      return ids.map((id, index) => [days[(index + seed) % days.length]!, id]);
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
      mergeIdSets(target.sets, copy.sets, renumber(target.ids, copy.ids));
    }
    assert.deepEqual(answers(target.sets), answers(plain));
    assert.equal(target.ids.count, answers(plain).everyone, 'each distinct id numbered once');
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
    mergeIdSets(first.sets, second.sets, renumber(first.ids, second.ids));
    assert.deepEqual(answers(first.sets), { sizes: { day: 3, other: 1 }, everyone: 3 });
  });
});

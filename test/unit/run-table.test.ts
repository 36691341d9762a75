/**
 * The Discover run table's compact id index and paged columns: every spelling of an id is its own
 * run, as when ids were Map keys; merging parts (as worker threads do, their pages transferred)
 * joins runs by id and keeps the order runs were first seen in.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { emptyRunTable, forEachPass, mergeRunTables, recordPass, rowOf, runTableBuffers, type RunTable } from '../../src/collector/report/discover/run-table.js';
import { PAGE } from '../../src/collector/report/paged.js';

const UUID = '3b241101-e2bb-4255-8caf-4136c566a962';
const SPELLINGS = [UUID, UUID.toUpperCase(), `{${UUID}}`, UUID.replaceAll('-', ''), `${UUID.slice(0, 35)}g`, '__proto__', '', 'run-1', 'ünï-code'];

/** Rows by id, as the Map this index replaces would give them: first seen, first row. */
function referenceRows(ids: string[]): Map<string, number> {
  const rows = new Map<string, number>();
  for (const id of ids) if (!rows.has(id)) rows.set(id, rows.size);
  return rows;
}

/** A part: the i-th event of `ids` passed step i % 8 at time i. */
function tableOf(ids: string[]): RunTable {
  const table = emptyRunTable();
  for (const [index, id] of ids.entries()) recordPass(table, rowOf(table, id), index % 8, index);
  return table;
}

/** What the parts' tables must hold: each run's earliest pass time of each step. */
function referencePasses(parts: string[][]): Map<string, Map<number, number>> {
  const passes = new Map<string, Map<number, number>>();
  for (const ids of parts) {
    ids.forEach((id, index) => {
      const steps = passes.get(id) ?? passes.set(id, new Map()).get(id)!;
      steps.set(index % 8, Math.min(steps.get(index % 8) ?? Infinity, index));
    });
  }
  return passes;
}

function passesOf(table: RunTable, id: string): Map<number, number> {
  const found = new Map<number, number>();
  forEachPass(table, rowOf(table, id), (step, time) => found.set(step, time));
  return found;
}

describe('discover run table', () => {
  it('keeps every spelling of an id apart and finds each again', () => {
    const table = emptyRunTable();
    const rows = SPELLINGS.map((id) => rowOf(table, id));
    assert.deepEqual(
      rows,
      SPELLINGS.map((_, index) => index),
    );
    assert.deepEqual(
      SPELLINGS.map((id) => rowOf(table, id)),
      rows,
    );
    assert.equal(table.rows, SPELLINGS.length);
  });

  it('indexes more runs than one page and many slot doublings hold', () => {
    const ids = Array.from({ length: 3 * PAGE + 17 }, () => randomUUID());
    const events = [...ids, ...ids.slice(0, 1000)];
    const table = tableOf(events);
    assert.equal(table.rows, ids.length);
    for (const [row, id] of ids.entries()) assert.equal(rowOf(table, id), row);
    const passes = referencePasses([events]);
    for (const id of ids.slice(0, 1200)) assert.deepEqual(passesOf(table, id), passes.get(id));
  });

  it('merges transferred parts by id, in the order runs were first seen', () => {
    // Runs of the first part only, of the second only, and shared (some of them odd spellings).
    const fresh = (count: number) => Array.from({ length: count }, () => randomUUID());
    const shared = [...SPELLINGS, ...fresh(PAGE)];
    const [onlyFirst, onlySecond] = [fresh(PAGE), [...fresh(PAGE), 'second-only', UUID.toUpperCase().replace('3B', '4C')]];
    const interleave = (a: string[], b: string[]): string[] => [...a.flatMap((id, index) => (index < b.length ? [id, b[index]!] : [id])), ...b.slice(a.length)];
    const first = [...interleave(onlyFirst, shared), ...shared.slice(0, 50)];
    const second = interleave([...shared].reverse(), onlySecond);
    const target = tableOf(first);
    const part = tableOf(second);
    // Handed over as a worker hands it: its pages moved, not copied.
    const buffers = runTableBuffers(part);
    const moved = structuredClone(part, { transfer: buffers });
    assert.ok(
      buffers.every((buffer) => buffer.byteLength === 0),
      'the pages were transferred',
    );
    mergeRunTables(target, moved);

    const expected = referenceRows([...first, ...second]);
    assert.equal(target.rows, expected.size);
    for (const [id, row] of expected) assert.equal(rowOf(target, id), row, id);
    const passes = referencePasses([first, second]);
    for (const id of expected.keys()) assert.deepEqual(passesOf(target, id), passes.get(id), id);
  });
});

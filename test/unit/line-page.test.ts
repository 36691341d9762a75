import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachLine, packLines } from '../../src/collector/report/line-page.js';

const unpack = (page: ReturnType<typeof packLines>): string[] => {
  const lines: string[] = [];
  forEachLine(page, (line) => lines.push(line));
  return lines;
};

describe('pages of stored lines handed to a fold worker', () => {
  const lines = ['{"a":1}', '', 'naïve 東京 🚀', 'two\nlines in one', '{"b":"\\u0000"}'];

  it('gives back the same lines, in order, a line holding a newline still one line', () => {
    assert.deepEqual(unpack(packLines(lines)), lines);
    assert.deepEqual(unpack(packLines([])), []);
  });

  it('packs into a page given back when it is large enough, and into new buffers when not', () => {
    const first = packLines(lines);
    const shorter = packLines(['x', 'y'], first);
    assert.equal(shorter.bytes.buffer, first.bytes.buffer, 'the bytes buffer is reused');
    assert.equal(shorter.ends.buffer, first.ends.buffer, 'the ends buffer is reused');
    assert.deepEqual(unpack(shorter), ['x', 'y']);
    const longer = ['z'.repeat(10_000), ...lines, ...lines];
    const grown = packLines(longer, shorter);
    assert.notEqual(grown.bytes.buffer, first.bytes.buffer);
    assert.notEqual(grown.ends.buffer, first.ends.buffer);
    assert.deepEqual(unpack(grown), longer);
  });

  it('survives a transfer to another thread and back', async () => {
    const { MessageChannel } = await import('node:worker_threads');
    const page = packLines(lines);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<ReturnType<typeof packLines>>((resolve) => port2.once('message', resolve));
    port1.postMessage(page, [page.bytes.buffer as ArrayBuffer, page.ends.buffer as ArrayBuffer]);
    const copy = await received;
    port1.close();
    assert.equal(page.bytes.byteLength, 0, 'the sender no longer holds the bytes');
    assert.deepEqual(unpack(copy), lines);
  });
});

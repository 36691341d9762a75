/** The summary strip's arithmetic and wording, and the human labels held against the schema's vocabularies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import usageVocabularies from '../../schemas/usage-vocabularies.schema.json' with { type: 'json' };
import { humanLabel, LABELLED, labelWithRaw } from '../../src/collector/report/labels.js';
import { compareHeadlines, previousLabel, previousWindow, stripLines, type Headline } from '../../src/collector/report/summary-strip.js';

const WINDOW = { since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };

describe('summary strip', () => {
  it('compares with the period of the same length just before the window', () => {
    assert.deepEqual(previousWindow(WINDOW), { since: '2026-10-02T00:00:00.000Z', until: '2026-11-01T00:00:00.000Z' });
    assert.equal(previousLabel(previousWindow(WINDOW)), 'previous 30 days');
    assert.equal(previousLabel({ since: '2026-11-01T00:00:00.000Z', until: '2026-11-01T12:00:00.000Z' }), 'previous 12 hours');
    assert.equal(previousLabel({ since: '2026-11-01T00:00:00.000Z', until: '2026-11-01T00:01:00.000Z' }), 'previous 1 minute');
    assert.equal(previousLabel({ since: '2026-11-01T00:00:00.000Z', until: '2026-11-01T00:00:01.500Z' }), 'previous period');
  });

  it('words each change: relative for counts, in points for shares, "new" after nothing, unknown shares not compared', () => {
    const figures = (values: [number | null, number | null, number | null, number | null, number | null]): Headline[] => [
      { key: 'starts', label: 'starts', value: values[0], unit: 'count' },
      { key: 'grown', label: 'grown', value: values[1], unit: 'count' },
      { key: 'fresh', label: 'fresh', value: values[2], unit: 'count' },
      { key: 'rate', label: 'rate', value: values[3], unit: 'share' },
      { key: 'unknown', label: 'unknown', value: values[4], unit: 'share' },
    ];
    const strip = compareHeadlines(figures([1234, 26, 3, 0.45, 0.1]), figures([1097, 2, 0, 0.4, null]), previousWindow(WINDOW));
    assert.deepEqual(
      strip.figures.map((figure) => [figure.previous, figure.change === null ? null : Number(figure.change.toFixed(4))]),
      [
        [1097, 0.1249],
        [2, 12],
        [0, null],
        [0.4, 0.05],
        [null, null],
      ],
    );
    assert.deepEqual(stripLines(strip), [
      'starts 1,234 (+12.5% vs previous 30 days)',
      'grown 26 (+1,200.0% vs previous 30 days)',
      'fresh 3 (new: none in the previous 30 days)',
      'rate 45.0% (+5.0 pts vs previous 30 days)',
      'unknown 10.0% (none in the previous 30 days)',
    ]);
    const down = compareHeadlines(figures([0, 1, 0, null, null]), figures([4, 2, 0, 0.2, null]), previousWindow(WINDOW));
    assert.deepEqual(stripLines(down), [
      'starts 0 (−100.0% vs previous 30 days)',
      'grown 1 (−50.0% vs previous 30 days)',
      'fresh 0 (none in the previous 30 days either)',
      'rate – (20.0% in the previous 30 days)',
      'unknown – (none in the previous 30 days either)',
    ]);
  });
});

describe('human labels', () => {
  const vocabularies = usageVocabularies.definitions as Record<string, { enum: string[] }>;
  for (const [vocabulary, named] of Object.entries(LABELLED)) {
    it(`${vocabulary}: every value of the schema's list has a name, and nothing else does`, () => {
      assert.deepEqual([...named].sort(), [...vocabularies[vocabulary]!.enum].sort());
    });
  }

  it('keeps the raw value beside the name in tables, and shows an unnamed value as it is', () => {
    assert.equal(humanLabel('os', 'win32'), 'Windows');
    assert.equal(humanLabel('tabKind', 'doc.terminal_tsh_node'), 'Terminal (SSH)');
    assert.equal(labelWithRaw('os', 'darwin'), 'macOS (darwin)');
    assert.equal(labelWithRaw('os', 'plan9'), 'plan9');
    assert.equal(humanLabel('os', '__proto__'), '__proto__');
  });
});

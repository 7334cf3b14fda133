/**
 * Sources' families as they cross the channel: series written as Prometheus
 * text with sorted, escaped labels, what cannot be written left out, and the
 * primary's gate refusing text that would break the lines it is written into.
 */
import { describe, expect, it } from 'vitest';
import { type FamilyMemo, FamilyRenderer, isRenderedFamily, renderFamilies, seriesOf } from '../../src/metrics/rendered.js';

describe('renderFamilies', () => {
  it('writes each series as its text, labels sorted and escaped, values JSON can carry', () => {
    const [family, ...rest] = renderFamilies([
      {
        name: 'http_seconds',
        help: 'Latency.',
        type: 'histogram',
        samples: [
          { name: 'http_seconds_bucket', labels: { route: '/a"b\\c\nd', le: '0.5' }, value: 3 },
          { name: 'http_seconds_sum', labels: { route: 'x', method: undefined }, value: Number.NaN },
          { name: 'http_seconds_count', labels: {}, value: Number.NEGATIVE_INFINITY },
          { name: 'http_seconds', labels: { code: 200 }, value: -0 },
        ],
      },
    ]);
    expect(rest).toEqual([]);
    expect(family).toEqual({
      name: 'http_seconds',
      help: 'Latency.',
      type: 'histogram',
      aggregator: 'sum',
      series: ['_bucket{le="0.5",route="/a\\"b\\\\c\\nd"}', '_sum{route="x"}', '_count', '{code="200"}'].join('\n'),
      values: [3, 'NaN', '-Inf', 0],
      labels: ['le', 'route', 'code'],
    });
    expect(Object.is(family?.values[3], -0)).toBe(false);
  });

  it('leaves out what cannot be written: bad families, and samples with a foreign name, a bad label or no number', () => {
    const rendered = renderFamilies([
      null,
      { name: 'bad name', help: '', type: 'gauge', samples: [] },
      { name: 'g', help: '', type: 'gauge', aggregator: 'median', samples: [] },
      {
        name: 'g',
        help: 'ok',
        type: 'gauge',
        samples: [
          { name: 'other', labels: {}, value: 1 },
          { name: 'g_x-y', labels: {}, value: 1 },
          { name: 'g', labels: { 'bad-label': 'v' }, value: 1 },
          { name: 'g', labels: { __reserved: 'v' }, value: 1 },
          { name: 'g', labels: { a: { nested: true } }, value: 1 },
          { name: 'g', labels: {}, value: '1' },
          { name: 'g', labels: {}, value: 2 },
        ],
      },
    ]);
    expect(rendered.map((family) => [family.name, seriesOf(family), family.values])).toEqual([['g', [''], [2]]]);
  });
});

describe('FamilyRenderer with the memo of its last rendering', () => {
  function render(samples: ReadonlyArray<readonly [string | undefined, Record<string, unknown>, number]>, previous?: FamilyMemo) {
    const renderer = FamilyRenderer.open('h', 'H.', 'histogram', 'sum', previous);
    if (!renderer) throw new Error('not a family');
    for (const [name, labels, value] of samples) renderer.add(name, labels, value);
    const family = renderer.done();
    return { family, memo: renderer.memo };
  }

  it('writes what changed and reuses the text of what did not, whatever object holds the labels', () => {
    const first = render([
      ['h_bucket', { le: 0.5, route: '/' }, 1],
      ['h_bucket', { le: '+Inf', route: '/' }, 2],
      ['h_sum', { route: '/' }, 3],
    ]);
    const second = render(
      [
        ['h_bucket', { le: 0.5, route: '/' }, 4], // a new object with the same labels
        ['h_count', { le: '+Inf', route: '/' }, 5], // another sample name at this position
        ['h_sum', { route: '/b', extra: undefined }, 6], // another label value
        ['h_sum', { route: '/c', method: 'GET' }, 7], // a sample the last rendering did not have
      ],
      first.memo,
    );
    expect(seriesOf(second.family)).toEqual([
      '_bucket{le="0.5",route="/"}',
      '_count{le="+Inf",route="/"}',
      '_sum{route="/b"}',
      '_sum{method="GET",route="/c"}',
    ]);
    expect(second.family.values).toEqual([4, 5, 6, 7]);
    expect(second.family.labels).toEqual(['le', 'route', 'method']);
    // Fewer samples than last time, and one that cannot be written where the last one could.
    const third = render([['h_bucket', { le: 0.5, route: {} }, 8]], second.memo);
    expect(seriesOf(third.family)).toEqual([]);
  });
  it('keeps the last memo when every sample is the same, and notices one more or one fewer', () => {
    const samples = [
      ['h_bucket', { le: 0.5 }, 1],
      ['h_sum', {}, 2],
    ] as const;
    const first = render(samples.map(([name, labels, value]) => [name, { ...labels }, value] as const));
    const again = render(
      samples.map(([name, labels, value]) => [name, { ...labels }, value + 10] as const),
      first.memo,
    );
    expect(again.memo).toBe(first.memo);
    expect([seriesOf(again.family), again.family.values]).toEqual([
      ['_bucket{le="0.5"}', '_sum'],
      [11, 12],
    ]);
    const more = render([...samples, ['h_count', {}, 3]], again.memo);
    expect(seriesOf(more.family)).toEqual(['_bucket{le="0.5"}', '_sum', '_count']);
    const fewer = render(samples.slice(0, 1), more.memo);
    expect([seriesOf(fewer.family), fewer.family.values, fewer.family.labels]).toEqual([['_bucket{le="0.5"}'], [1], ['le']]);
  });
});

describe('isRenderedFamily', () => {
  const valid = { name: 'g', help: '', type: 'gauge', aggregator: 'sum', series: '{a="1"}', values: [1], labels: ['a'] };

  it.each([
    ['series that are not one string', { ...valid, series: ['{a="1"}'] }],
    ['a value that is not a number', { ...valid, values: ['1'] }],
    ['an unknown aggregator', { ...valid, aggregator: 'median' }],
    ['an unknown type', { ...valid, type: 'info' }],
    ['a bad name', { ...valid, name: 'a b' }],
    ['labels that are not strings', { ...valid, labels: [1] }],
  ])('refuses %s', (_, family) => {
    expect(isRenderedFamily(family)).toBe(false);
  });

  it('accepts a family as renderFamilies writes it', () => {
    expect(isRenderedFamily(valid)).toBe(true);
    expect(isRenderedFamily({ ...valid, values: ['+Inf'] })).toBe(true);
  });

  it('reads no series from a family whose lines are not as many as its values: a newline cannot add a series', () => {
    expect(seriesOf({ ...valid, series: '{a="1"}\nfake 1' } as never)).toBeUndefined();
    expect(seriesOf({ ...valid, values: [] } as never)).toBeUndefined();
    expect(seriesOf({ ...valid, series: '', values: [] } as never)).toEqual([]);
  });
});

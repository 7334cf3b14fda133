/**
 * Sources' families as they cross the channel: series written as Prometheus
 * text with sorted, escaped labels, what cannot be written left out, and the
 * primary's gate refusing text that would break the lines it is written into.
 */
import { describe, expect, it } from 'vitest';
import { isRenderedFamily, renderFamilies } from '../../src/metrics/rendered.js';

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
      series: ['_bucket{le="0.5",route="/a\\"b\\\\c\\nd"}', '_sum{route="x"}', '_count', '{code="200"}'],
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
    expect(rendered.map((family) => [family.name, family.series, family.values])).toEqual([['g', [''], [2]]]);
  });
});

describe('isRenderedFamily', () => {
  const valid = { name: 'g', help: '', type: 'gauge', aggregator: 'sum', series: ['{a="1"}'], values: [1], labels: ['a'] };

  it.each([
    ['a newline in a series', { ...valid, series: ['{a="1"}\nfake 1'] }],
    ['values not matching the series', { ...valid, values: [] }],
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
});

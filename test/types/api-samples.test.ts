import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

/** The public contract lives beside the repository while it is developed; CI has no copy. */
const API_MD = new URL('../../../shared/API.md', import.meta.url);
const SAMPLES = new URL('./api-samples.test-d.ts', import.meta.url);

function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe.skipIf(!existsSync(API_MD))('api-samples.test-d.ts', () => {
  test('holds every code sample of API.md verbatim, in order (only the import specifier differs)', () => {
    const samples = readFileSync(SAMPLES, 'utf8');
    const blocks = codeBlocks(readFileSync(API_MD, 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    let from = 0;
    for (const block of blocks) {
      const expected = block.replaceAll("from 'cluster-rpc';", "from '../../src/index.js';");
      const at = samples.indexOf(expected, from);
      expect(at, `sample not found verbatim after offset ${from}:\n${expected}`).toBeGreaterThanOrEqual(0);
      from = at + expected.length;
    }
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

/** The contract's part 3 lives beside the repository while it is developed; CI has no copy. */
const API_3_MD = new URL('../../../shared/API-3.md', import.meta.url);

/** The sections of API-3.md whose feature has landed, and the file whose type check holds their samples as written. */
const LANDED: Record<string, string> = {
  'When a handler fails': 'api3-samples.test-d.ts',
  'Who is there': 'api3-samples.test-d.ts',
  "The process manager's signals": 'api3-samples.test-d.ts',
  Headers: 'api3-samples.test-d.ts',
  Tracing: 'api3-samples.test-d.ts',
  'Metrics that prom-client users can drop in': 'api3-samples.test-d.ts',
  'A faster local channel: `cluster-rpc/socket`': 'api3-samples.test-d.ts',
};

/** The `ts` code blocks of the `## title` section. */
function sectionBlocks(markdown: string, title: string): string[] {
  const start = markdown.indexOf(`\n## ${title}`);
  if (start < 0) return [];
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** The package's specifiers, as the samples file spells them (it imports the sources). */
function asSourceImports(block: string): string {
  return block.replaceAll(/from 'cluster-rpc(\/[a-z-]+)?';/g, (_, entry: string | undefined) =>
    entry ? `from '../../src/${entry.slice(1)}.js';` : "from '../../src/index.js';",
  );
}

describe.skipIf(!existsSync(API_3_MD))('api3-samples.test-d.ts', () => {
  test.each(Object.entries(LANDED))('holds every code sample of the section "%s" verbatim', (title, file) => {
    const samples = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
    const blocks = sectionBlocks(readFileSync(API_3_MD, 'utf8'), title);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      for (const line of asSourceImports(block)
        .split('\n')
        .filter((text) => text.trim() !== '')) {
        expect(samples, `a line of "${title}" is not in the samples:\n${line}`).toContain(line);
      }
    }
  });
});

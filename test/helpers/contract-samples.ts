/** Checks that a type-checked samples file holds every `ts` sample of the contract's landed sections, as written. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

/** The `ts` code blocks of the `## title` section. */
function sectionBlocks(markdown: string, title: string): string[] {
  const start = markdown.indexOf(`\n## ${title}`);
  if (start < 0) return [];
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** The package's specifiers, as the samples files spell them (they import the sources). */
function asSourceImports(block: string): string {
  return block.replaceAll(/from 'cluster-rpc(\/[a-z-]+)?';/g, (_, entry: string | undefined) =>
    entry ? `from '../../src/${entry.slice(1)}.js';` : "from '../../src/index.js';",
  );
}

/**
 * One test per landed section of `contract` (a part of the contract beside the repository, which CI has no copy of):
 * every non-blank line of its samples is in the samples file named for it, in test/types/.
 */
export function describeLandedSamples(name: string, contract: URL, landed: Record<string, string>): void {
  describe.skipIf(!existsSync(contract))(name, () => {
    test.each(Object.entries(landed))('holds every code sample of the section "%s" verbatim', (title, file) => {
      const samples = readFileSync(new URL(`../types/${file}`, import.meta.url), 'utf8');
      const blocks = sectionBlocks(readFileSync(contract, 'utf8'), title);
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
}

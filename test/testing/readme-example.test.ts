/**
 * The README's "Testing your routers" example is `examples/testing/`, which
 * runs as a test of its own: this keeps the two the same.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The `ts` blocks of the README's section `name`, with the package's specifiers as the example spells them. */
function sectionBlocks(name: string): string[] {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf(`<!-- section:${name} -->`), readme.indexOf(`<!-- /section:${name} -->`));
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) =>
    (match[1] ?? '')
      .replace(/^\/\/ .*\n/, '')
      .replaceAll("from 'cluster-rpc';", "from '../../src/index.js';")
      .replaceAll("from 'cluster-rpc/testing';", "from '../../src/testing.js';"),
  );
}

test('the README shows examples/testing/ as it runs', () => {
  const [routers, tests] = sectionBlocks('testing');
  expect(read('examples/testing/routers.ts')).toContain(routers);
  expect(read('examples/testing/routers.test.ts')).toContain(tests);
});

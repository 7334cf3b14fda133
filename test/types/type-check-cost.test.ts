/**
 * Type checking stays cheap as routers grow. The figure asserted on is the
 * compiler's count of type instantiations for the 200-procedure fixture,
 * which (unlike time) is the same on every machine; the check time is printed.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Measured at 128 k for 200 procedures (about 16 k for 10). The bound leaves
 * room for growth but fails on the kind of regression seen once already: a
 * helper type that tripled the count.
 */
const MAX_INSTANTIATIONS = 250_000;

test('a router of 200 procedures type-checks without errors and within the instantiation budget', () => {
  let output: string;
  try {
    output = execFileSync(
      process.execPath,
      [`${ROOT}node_modules/typescript/bin/tsc`, '--noEmit', '--extendedDiagnostics', '-p', 'test/types/fixtures/tsconfig.json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
  } catch (error) {
    throw new Error(`tsc failed on the fixture:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
  }
  const figure = (name: string) => Number(new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(output)?.[1]);
  const instantiations = figure('Instantiations');
  console.log(`200 procedures: ${instantiations} instantiations, check time ${figure('Check time')} s`);
  expect(instantiations).toBeGreaterThan(10_000);
  expect(instantiations).toBeLessThan(MAX_INSTANTIATIONS);
});

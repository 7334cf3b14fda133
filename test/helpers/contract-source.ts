/** The contract's routers (test/fixtures/contract-routers.ts) as the text of a module a user writes. */
import { readFileSync } from 'node:fs';

const FIXTURE = new URL('../fixtures/contract-routers.ts', import.meta.url);
const SOURCE_IMPORT = "from '../../src/index.js';";

/** The fixture's text, importing `cluster-rpc` instead of the package source: for modules compiled outside this tree. */
export function contractRoutersSource(): string {
  const text = readFileSync(FIXTURE, 'utf8');
  if (!text.includes(SOURCE_IMPORT)) throw new Error(`contract-routers.ts no longer imports ${SOURCE_IMPORT}`);
  return text.replaceAll(SOURCE_IMPORT, "from 'cluster-rpc';");
}

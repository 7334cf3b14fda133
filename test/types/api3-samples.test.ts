import { describeLandedSamples } from '../helpers/contract-samples.js';

/** The sections of API-3.md whose feature has landed, and the file whose type check holds their samples as written. */
describeLandedSamples('api3-samples.test-d.ts', new URL('../../../shared/API-3.md', import.meta.url), {
  'When a handler fails': 'api3-samples.test-d.ts',
  'Who is there': 'api3-samples.test-d.ts',
  "The process manager's signals": 'api3-samples.test-d.ts',
  Headers: 'api3-samples.test-d.ts',
  Tracing: 'api3-samples.test-d.ts',
  'Metrics that prom-client users can drop in': 'api3-samples.test-d.ts',
  'A faster local channel: `cluster-rpc/socket`': 'api3-samples.test-d.ts',
});

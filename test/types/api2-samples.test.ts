import { describeLandedSamples } from '../helpers/contract-samples.js';

/** The sections of API-2.md whose feature has landed, and the file whose type check holds their samples as written. */
describeLandedSamples('api2-samples.test-d.ts', new URL('../../../shared/API-2.md', import.meta.url), {
  'Testing without processes': 'api2-samples.test-d.ts',
  Middleware: 'api2-samples.test-d.ts',
  Metrics: 'api2-samples.test-d.ts',
  Streams: 'api2-samples-streams.test-d.ts',
  Transports: 'api2-samples-transports.test-d.ts',
});

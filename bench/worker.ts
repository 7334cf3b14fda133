/**
 * The benchmark's worker process: attaches one contender at a time when the primary asks, drives worker → primary calls, and
 * reports its figures.
 */
import { type ContenderName, openWorkerContender, type WorkerContender } from './lib/contenders/index.js';
import { loadBaseline } from './lib/contenders/library.js';
import { type ControlRequest, processStats, serveControl } from './lib/control.js';
import { drive } from './lib/drive.js';
import { closeHttpServer, openHttpServer } from './lib/http/servers.js';
import { PAYLOAD_KINDS, payloadOf } from './lib/payloads.js';
import { closeScrapeWorker, countScrapeBytes, openScrapeWorker } from './lib/scrape/worker-side.js';
import { closeStreamWorker, openStreamWorker, producedSoFar, sendRawItems } from './lib/stream/sides.js';

// Build every payload before the first phase, so no phase pays for it; load the --baseline build, if any.
for (const kind of PAYLOAD_KINDS) payloadOf(kind);
await loadBaseline();

let contender: { readonly name: ContenderName; readonly side: WorkerContender } | undefined;

function current(): WorkerContender {
  if (!contender) throw new Error('no contender is open');
  return contender.side;
}

async function handle(request: ControlRequest): Promise<unknown> {
  switch (request.op) {
    case 'open':
      if (contender) throw new Error(`contender ${contender.name} is still open`);
      contender = { name: request.contender, side: openWorkerContender(request.contender) };
      await contender.side.ready;
      return null;
    case 'run':
      return drive(current().caller(request.payload), request.spec);
    case 'close': {
      const side = current();
      const pending = side.pendingCount();
      contender = undefined;
      await side.close();
      return { pending };
    }
    case 'stats':
      return processStats(request.gc);
    case 'burst':
      return burst(request.calls, request.concurrency);
    case 'http-open':
      await openHttpServer(request.server, request.port, request.redisPort);
      return null;
    case 'http-close':
      return closeHttpServer();
    case 'stream-open':
      openStreamWorker(request.contender);
      return null;
    case 'stream-raw':
      return sendRawItems(request.payload, request.count);
    case 'stream-produced':
      return { produced: producedSoFar() };
    case 'stream-close':
      return closeStreamWorker();
    case 'scrape-open':
      openScrapeWorker(request.seed);
      return null;
    case 'scrape-bytes':
      return countScrapeBytes(request.on);
    case 'scrape-close':
      return closeScrapeWorker();
    case 'exit':
      // Let the reply leave first; a clean exit also writes a --cpu-prof profile.
      setImmediate(() => process.exit(0));
      return null;
  }
}

/** Exactly `calls` tiny calls to the primary over `concurrency` lanes: a stretch of the memory cell. */
async function burst(calls: number, concurrency: number) {
  const call = current().caller('tiny');
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (issued < calls) {
      issued++;
      try {
        await call();
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, lane));
  return { errors, ms: performance.now() - started, pending: current().pendingCount() };
}

serveControl(handle);

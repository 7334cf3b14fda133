/** `rpc.primary.metrics()`: its options checked, then every process's report gathered. @module */
import type { Engine } from '../engine/engine.js';
import { MetricsGatherer } from '../metrics/gather.js';
import { prometheusText } from '../metrics/prometheus.js';
import { METRICS_PATH } from '../metrics/recorder.js';
import { type ClusterMetrics, DEFAULT_METRICS_TIMEOUT_MS, type MetricsRequest, type MetricsSource } from '../metrics/types.js';
import { RpcError } from '../wire/errors.js';
import type { PrimaryEventMeta } from './primary.js';

/** `rpc.primary.metrics(options)`, through `engine`; `sources` are the primary's, whose settings say how families merge. */
export function metricsOf(
  engine: Engine<PrimaryEventMeta>,
  sources: readonly MetricsSource[],
): (options?: MetricsRequest) => Promise<ClusterMetrics | string> {
  let gatherer: MetricsGatherer | undefined;
  const gather = (options: MetricsRequest | undefined): Promise<ClusterMetrics | string> => {
    if (!engine.accepting) throw new RpcError('SHUTTING_DOWN', 'Cannot gather metrics: the rpc object on the primary is closed');
    if (!engine.metrics) {
      throw new RpcError(
        'BAD_REQUEST',
        'Metrics are off: pass metrics: true to createClusterRpc, in the primary and the workers',
      );
    }
    const { timeout = DEFAULT_METRICS_TIMEOUT_MS, format = 'object' } = (options ?? {}) as MetricsRequest;
    if (typeof timeout !== 'number' || !(timeout > 0)) {
      throw new RpcError('BAD_REQUEST', `options.timeout must be a positive number of milliseconds, got ${String(timeout)}`);
    }
    if (format !== 'object' && format !== 'prometheus') {
      throw new RpcError('BAD_REQUEST', `options.format must be 'object' or 'prometheus', got ${String(format)}`);
    }
    gatherer ??= new MetricsGatherer({
      ownReport: () => engine.ownReport(),
      workers: () =>
        engine.livePeers().flatMap((peer) =>
          peer.info.side === 'worker'
            ? [
                {
                  workerId: peer.info.workerId,
                  pid: peer.info.pid,
                  report: (timeoutMs: number) => engine.call(peer, peer.target, METRICS_PATH, undefined, { timeout: timeoutMs }),
                  asked: () => peer.flush(),
                },
              ]
            : [],
        ),
    });
    return gatherer
      .gather(timeout)
      .then((gathered) => (format === 'prometheus' ? prometheusText(gathered, sources) : gathered.metrics));
  };
  return (options) => {
    try {
      return gather(options);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

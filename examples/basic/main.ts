import cluster from 'node:cluster';
import { rpc } from './shared.js';

if (cluster.isPrimary) {
  const worker = cluster.fork();
  rpc.primary.on('requestServed', (payload, meta) => console.log('primary got requestServed', payload, meta));
  const s = await rpc.primary.call(worker, 'stats');
  console.log('stats', s);
  const all = await rpc.primary.callAll('stats', undefined, { timeout: 1000 });
  console.log('all', all);
  console.log('delivered', await rpc.primary.broadcast('configChanged', { key: 'a', value: 'b' }));
  await new Promise((r) => setTimeout(r, 300));
  worker.kill();
  await rpc.close();
} else {
  rpc.worker.on('configChanged', (p, meta) => console.log('worker got configChanged', p, meta));
  console.log('total', await rpc.worker.call('hits.increment', { by: 1 }));
  console.log('now', await rpc.worker.call('now'));
  await rpc.worker.emit('requestServed', { path: '/', ms: 3 });
  try {
    await rpc.worker.call('hits.increment', { by: -1 });
  } catch (e) {
    console.log('err', e);
  }
}

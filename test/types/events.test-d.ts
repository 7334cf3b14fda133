import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import {
  createClusterRpc,
  defineEvents,
  type EventOptions,
  type EventPayload,
  type Events,
  type NoEvents,
  type PeerInfo,
} from '../../src/index.js';
import type { EventArgs, EventInput, EventName, PrimaryEventMeta, WorkerEventMeta } from '../../src/types.js';

const events = defineEvents({
  configChanged: z.object({ key: z.string(), value: z.string() }),
  /** Different on each side: senders give an ISO string, listeners get a Date. */
  deployed: z.object({ at: z.iso.datetime().transform((iso) => new Date(iso)), tag: z.string().default('latest') }),
  flush: z.void(),
  maybe: z.number().optional(),
});
type AppEvents = typeof events;

const rpc = createClusterRpc({ events });

describe('helper types: EventName, EventInput, EventPayload, EventArgs', () => {
  test('EventName is the union of event names', () => {
    expectTypeOf<EventName<AppEvents>>().toEqualTypeOf<'configChanged' | 'deployed' | 'flush' | 'maybe'>();
    expectTypeOf<EventName<NoEvents>>().toEqualTypeOf<never>();
    // @ts-expect-error not an event of the set
    const unknown: EventName<AppEvents> = 'configchanged';
    void unknown;
  });

  test('EventInput is what senders pass (z.input), EventPayload what listeners get (z.output)', () => {
    expectTypeOf<EventInput<AppEvents, 'deployed'>>().toEqualTypeOf<{ at: string; tag?: string | undefined }>();
    expectTypeOf<EventPayload<AppEvents, 'deployed'>>().toEqualTypeOf<{ at: Date; tag: string }>();
    expectTypeOf<EventPayload<AppEvents, 'configChanged'>>().toEqualTypeOf<{ key: string; value: string }>();
    expectTypeOf<EventPayload<AppEvents, 'flush'>>().toEqualTypeOf<void>();
    // @ts-expect-error not an event of the set
    type Nope = EventPayload<AppEvents, 'nope'>;
    expectTypeOf<Nope>().toBeNever();
  });

  test('EventArgs makes the payload optional exactly when the schema accepts undefined', () => {
    // biome-ignore lint/suspicious/noConfusingVoidType: z.void() schemas produce exactly this type
    expectTypeOf<EventArgs<void>>().toEqualTypeOf<[payload?: void, options?: EventOptions]>();
    expectTypeOf<EventArgs<number | undefined>>().toEqualTypeOf<[payload?: number | undefined, options?: EventOptions]>();
    expectTypeOf<EventArgs<{ key: string }>>().toEqualTypeOf<[payload: { key: string }, options?: EventOptions]>();
  });

  test('defineEvents keeps the schemas it was given', () => {
    expectTypeOf(events).toExtend<Events<{ flush: z.ZodVoid }>>();
    expectTypeOf(events.schemas.configChanged).toEqualTypeOf<z.ZodObject<{ key: z.ZodString; value: z.ZodString }>>();
  });

  test('defineEvents refuses values that are not schemas', () => {
    // @ts-expect-error a string is not a schema
    defineEvents({ ready: 'yes' });
    // @ts-expect-error a function is not a schema
    defineEvents({ ready: () => true });
  });
});

describe('rpc.worker: on, emit, broadcast', () => {
  test('listeners receive the schema output and who sent it', () => {
    const off = rpc.worker.on('deployed', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<{ at: Date; tag: string }>();
      expectTypeOf(meta).toEqualTypeOf<WorkerEventMeta>();
      expectTypeOf(meta.from).toEqualTypeOf<PeerInfo>();
    });
    expectTypeOf(off).toEqualTypeOf<() => void>();
    rpc.worker.on('flush', (payload) => expectTypeOf(payload).toEqualTypeOf<void>());
    rpc.worker.on('maybe', async (payload) => expectTypeOf(payload).toEqualTypeOf<number | undefined>());
  });

  test('emit and broadcast take the schema input and resolve with void', () => {
    expectTypeOf(rpc.worker.emit('deployed', { at: '2025-01-01T00:00:00Z' })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(rpc.worker.broadcast('configChanged', { key: 'a', value: 'b' })).toEqualTypeOf<Promise<void>>();
    rpc.worker.emit('flush');
    rpc.worker.broadcast('maybe');
    rpc.worker.broadcast('maybe', 3);
  });

  test('wrong events and payloads are compile errors', () => {
    // @ts-expect-error unknown event
    rpc.worker.on('nope', () => {});
    // @ts-expect-error the listener receives { key, value }, not a string
    rpc.worker.on('configChanged', (payload: string) => payload);
    // @ts-expect-error unknown event
    rpc.worker.emit('nope', {});
    // @ts-expect-error wrong payload: value must be a string
    rpc.worker.emit('configChanged', { key: 'a', value: 1 });
    // @ts-expect-error missing payload
    rpc.worker.broadcast('configChanged');
    // @ts-expect-error the payload is the schema's input (an ISO string), not its output (a Date)
    rpc.worker.broadcast('deployed', { at: new Date() });
  });
});

describe('rpc.primary: on, broadcast', () => {
  test('listeners receive the schema output and the sending worker', () => {
    rpc.primary.on('configChanged', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<{ key: string; value: string }>();
      expectTypeOf(meta).toEqualTypeOf<PrimaryEventMeta>();
      expectTypeOf(meta.workerId).toEqualTypeOf<number>();
      expectTypeOf(meta.pid).toEqualTypeOf<number>();
    });
  });

  test('broadcast resolves with how many workers it reached', () => {
    expectTypeOf(rpc.primary.broadcast('configChanged', { key: 'a', value: 'b' })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(rpc.primary.broadcast('flush')).toEqualTypeOf<Promise<number>>();
  });

  test('wrong events and payloads are compile errors', () => {
    // @ts-expect-error unknown event
    rpc.primary.broadcast('nope');
    // @ts-expect-error wrong payload
    rpc.primary.broadcast('configChanged', { key: 'a' });
    // @ts-expect-error the primary has no emit: it broadcasts
    rpc.primary.emit('flush');
    // @ts-expect-error unknown event
    rpc.primary.on('nope', () => {});
  });

  test('without an event set no event exists', () => {
    const bare = createClusterRpc();
    // @ts-expect-error no events were defined
    bare.primary.broadcast('configChanged', { key: 'a', value: 'b' });
    // @ts-expect-error no events were defined
    bare.worker.on('configChanged', () => {});
  });
});

describe('listeners may return anything', () => {
  test('a listener returning a value (such as Array#push) or an async listener is accepted', () => {
    const seen: Array<{ key: string; value: string }> = [];
    rpc.primary.on('configChanged', (payload) => seen.push(payload));
    rpc.worker.on('configChanged', async (payload) => seen.push(payload));
    expectTypeOf(seen).toEqualTypeOf<Array<{ key: string; value: string }>>();
  });
});

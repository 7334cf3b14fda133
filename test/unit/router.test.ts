import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { proceduresOf } from '../../src/define/router.js';
import { defineRouter, procedure } from '../../src/index.js';

const ping = procedure.handler(() => 'pong');

/** Calls defineRouter with a shape the type system would refuse, as plain JavaScript callers can. */
function defineUntyped(shape: unknown): unknown {
  const untyped: (shape: unknown) => unknown = defineRouter as never;
  return untyped(shape);
}

describe('defineRouter flattens the shape once, at definition', () => {
  test('nested objects and nested routers become dotted paths', () => {
    const admin = defineRouter({ stop: ping, jobs: { list: ping } });
    const router = defineRouter({ hits: { increment: ping, deep: { reset: ping } }, now: ping, admin });
    expect([...proceduresOf(router).keys()].sort()).toEqual([
      'admin.jobs.list',
      'admin.stop',
      'hits.deep.reset',
      'hits.increment',
      'now',
    ]);
  });

  test('each path keeps its own procedure definition', () => {
    const input = z.string();
    const withInput = procedure.input(input).handler(({ input }) => input);
    const router = defineRouter({ a: { withInput }, ping });
    expect(proceduresOf(router).get('a.withInput')?.input).toBe(input);
    expect(proceduresOf(router).get('ping')?.input).toBeUndefined();
  });

  test('inherited names are never procedures, but own keys with those names are', () => {
    const plain = proceduresOf(defineRouter({ ping }));
    for (const name of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(plain.get(name), name).toBeUndefined();
    }
    const own = proceduresOf(defineRouter({ toString: ping, constructor: ping }));
    expect([...own.keys()].sort()).toEqual(['constructor', 'toString']);
  });

  test('an object without prototype is a valid nested object', () => {
    const shape = Object.assign(Object.create(null) as object, { ping });
    expect([...proceduresOf(defineRouter({ bare: shape })).keys()]).toEqual(['bare.ping']);
  });

  test('the router is frozen and changing the shape afterwards changes nothing', () => {
    const shape: Record<string, typeof ping> = { ping };
    const router = defineRouter(shape);
    shape.late = ping;
    expect(Object.isFrozen(router)).toBe(true);
    expect([...proceduresOf(router).keys()]).toEqual(['ping']);
  });

  test('an empty shape is an empty router', () => {
    expect(proceduresOf(defineRouter({})).size).toBe(0);
  });
});

describe('defineRouter rejects definition mistakes with a TypeError naming the key', () => {
  const cases: Array<{ what: string; shape: () => unknown; message: RegExp }> = [
    {
      what: 'a key with a dot',
      shape: () => ({ 'hits.increment': ping }),
      message: /'hits\.increment' cannot be empty or contain a dot/,
    },
    {
      what: 'a nested key with a dot',
      shape: () => ({ hits: { 'a.b': ping } }),
      message: /'hits\.a\.b' cannot be empty or contain a dot/,
    },
    { what: 'an empty key', shape: () => ({ '': ping }), message: /key '' cannot be empty/ },
    { what: 'an own __proto__ key', shape: () => ({ ['__proto__']: ping }), message: /'__proto__' is a reserved name/ },
    {
      what: 'a __proto__ key in an object literal (it sets the prototype)',
      shape: () => ({ hits: { __proto__: ping } }),
      message: /'hits' must be a plain object of procedures/,
    },
    { what: 'a number', shape: () => ({ ping: 1 }), message: /'ping' is number, not a procedure/ },
    { what: 'a string, nested', shape: () => ({ a: { b: 'pong' } }), message: /'a\.b' is string, not a procedure/ },
    { what: 'null', shape: () => ({ ping: null }), message: /'ping' is null, not a procedure/ },
    { what: 'undefined', shape: () => ({ ping: undefined }), message: /'ping' is undefined, not a procedure/ },
    {
      what: 'a plain function',
      shape: () => ({ ping: () => 'pong' }),
      message: /'ping' is a plain function.*procedure\.handler\(fn\)/,
    },
    {
      what: 'a builder without a handler',
      shape: () => ({ ping: procedure.input(z.string()) }),
      message: /'ping' is not a procedure yet.*\.handler\(fn\)/,
    },
    { what: 'the bare procedure builder', shape: () => ({ ping: procedure }), message: /'ping' is not a procedure yet/ },
    { what: 'an array', shape: () => ({ list: [ping] }), message: /'list' must be a plain object/ },
    { what: 'a class instance', shape: () => ({ map: new Map([['ping', ping]]) }), message: /'map' must be a plain object/ },
    { what: 'a class instance as the root', shape: () => new Map(), message: /'\(root\)' must be a plain object/ },
    { what: 'no object at all', shape: () => 'ping', message: /defineRouter expects an object/ },
    { what: 'null as the root', shape: () => null, message: /defineRouter expects an object/ },
  ];

  test.each(cases)('$what', ({ shape, message }) => {
    expect(() => defineUntyped(shape())).toThrow(TypeError);
    expect(() => defineUntyped(shape())).toThrow(message);
  });

  test('every message starts with defineRouter so the source of the mistake is plain', () => {
    for (const { shape } of cases) {
      expect(() => defineUntyped(shape())).toThrow(/^defineRouter/);
    }
  });
});

/**
 * The `@ts-expect-error` lines of the type tests prove that misuse does not
 * compile; these tests prove the compiler then says something a user can act
 * on: the mistake in words, and the paths or events that do exist.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { type Complaint, typeCheck } from '../helpers/type-check.js';

const PRELUDE = `
import { z } from 'zod';
import { createClusterRpc, defineEvents, defineRouter, procedure } from '../../src/index.js';
const ping = procedure.handler(() => 'pong');
const rpc = createClusterRpc({
  primary: defineRouter({ hits: { increment: procedure.input(z.object({ by: z.number() })).handler(() => 1) }, now: ping }),
  worker: defineRouter({ stats: ping, cache: { get: ping } }),
  events: defineEvents({ configChanged: z.object({ key: z.string() }), flush: z.void() }),
});
void rpc;
`;

/** Each mistake on the last line of its snippet, with what the message must say. */
const MISTAKES: Record<string, { code: string; says: RegExp[] }> = {
  'input-twice': {
    code: 'procedure.input(z.string()).input(z.number());',
    says: [/input\(\) was already given: a procedure takes one input schema/],
  },
  'output-twice': {
    code: 'procedure.output(z.string()).output(z.number());',
    says: [/output\(\) was already given/],
  },
  'dotted-key': {
    code: "defineRouter({ 'hits.increment': ping });",
    says: [/Router keys cannot be empty or contain a dot: nest objects instead/],
  },
  'empty-key': { code: "defineRouter({ '': ping });", says: [/Router keys cannot be empty/] },
  'proto-key': { code: 'defineRouter({ __proto__: ping });', says: [/'__proto__' cannot be a router key/] },
  'builder-without-handler': {
    code: 'defineRouter({ a: { b: procedure.input(z.string()) } });',
    says: [/Not a procedure yet: end the builder with \.handler\(fn\)/],
  },
  'plain-function': {
    code: "defineRouter({ ping: () => 'pong' });",
    says: [/A plain function is not a procedure: wrap it as procedure\.handler\(fn\)/],
  },
  'not-a-procedure': {
    code: 'defineRouter({ ping: 42 });',
    says: [/Router values must be procedures, nested objects of procedures, or routers/],
  },
  'unknown-path-lists-paths': {
    code: "rpc.worker.call('hits');",
    says: [/'"hits"'/, /"hits\.increment" \| "now"|"now" \| "hits\.increment"/],
  },
  'other-side-path-lists-paths': {
    code: "rpc.primary.call(1, 'now');",
    says: [/"stats" \| "cache\.get"|"cache\.get" \| "stats"/],
  },
  'unknown-event-lists-events': {
    code: "rpc.primary.broadcast('configchanged', { key: 'a' });",
    says: [/"configChanged" \| "flush"/],
  },
  'missing-input': { code: "rpc.worker.call('hits.increment');", says: [/Expected 2-3 arguments, but got 1/] },
  'input-for-no-input': { code: "rpc.worker.call('now', { at: 1 });", says: [/not assignable to parameter of type 'undefined'/] },
  'wrong-input': {
    code: "rpc.worker.call('hits.increment', { by: '1' });",
    says: [/'string' is not assignable to type 'number'/],
  },
  'wrong-payload': {
    code: "rpc.primary.broadcast('configChanged', { key: 1 });",
    says: [/'number' is not assignable to type 'string'/],
  },
};

describe('compile errors read well', () => {
  let complaints: Complaint[] = [];
  const lastLine = (code: string) => (PRELUDE + code).split('\n').length;

  beforeAll(() => {
    complaints = typeCheck(
      Object.fromEntries(Object.entries(MISTAKES).map(([name, { code }]) => [`${name}.ts`, PRELUDE + code])),
    );
  });

  test('the prelude itself compiles', () => {
    expect(typeCheck({ 'prelude.ts': PRELUDE })).toEqual([]);
  });

  test.each(Object.entries(MISTAKES))('%s', (name, { code, says }) => {
    const mine = complaints.filter((complaint) => complaint.file === `${name}.ts`);
    expect(mine.map((complaint) => complaint.line)).toEqual([lastLine(code)]);
    const [complaint] = mine;
    for (const pattern of says) expect(complaint?.message).toMatch(pattern);
    // The names of the helper types never stand in for what they compute.
    expect(complaint?.message).not.toMatch(/RouterPath<|FlattenShape<|CheckShape<|CheckEntry</);
  });
});

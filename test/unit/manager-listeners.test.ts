/** The manager's listeners subscribe as `rpc.on` does: one subscription per `on`, each with its own unsubscribe. */
import { describe, expect, it } from 'vitest';
import { ManagerListeners } from '../../src/cluster/manager-events.js';
import type { ShutdownResult } from '../../src/cluster/shutdown.js';

const stopped: ShutdownResult = { drained: true, exits: [], killed: [], reason: 'the test', durationMs: 0 };

describe("the manager's listeners", () => {
  it('call a function added twice twice; each unsubscribe removes its own subscription only', () => {
    const logged: string[] = [];
    const listeners = new ManagerListeners({ info: () => undefined, warn: () => undefined, error: (line) => logged.push(line) });
    const heard: number[] = [];
    const listener = (): void => void heard.push(heard.length);
    const first = listeners.on('stopped', listener);
    const second = listeners.on('stopped', listener);
    expect(listeners.count('stopped')).toBe(2);
    listeners.emit('stopped', stopped);
    expect(heard).toEqual([0, 1]);
    first();
    first();
    expect(listeners.count('stopped')).toBe(1);
    listeners.emit('stopped', stopped);
    expect(heard).toEqual([0, 1, 2]);
    second();
    expect(listeners.count('stopped')).toBe(0);
    expect(logged).toEqual([]);
  });

  it('log a listener that throws and go on to the next', () => {
    const logged: string[] = [];
    const listeners = new ManagerListeners({ info: () => undefined, warn: () => undefined, error: (line) => logged.push(line) });
    let reached = false;
    listeners.on('stopped', () => {
      throw new Error('boom');
    });
    listeners.on('stopped', () => {
      reached = true;
    });
    listeners.emit('stopped', stopped);
    expect(reached).toBe(true);
    expect(logged).toEqual(["[cluster] a 'stopped' listener threw: boom"]);
  });
});

/** The cluster manager's pure parts: the respawn policy and the option checks. No processes. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHUTDOWN_GRACE_MS, resolveOptions } from '../../src/cluster/options.js';
import { backoffDelay, decideRespawn } from '../../src/cluster/respawn-policy.js';
import { type ClusterManagerOptions, createClusterManager } from '../../src/cluster.js';

const policy = { initialDelayMs: 100, maxDelayMs: 1000, healthyAfterMs: 5000, crashLoopLimit: 5 };

describe('the respawn policy', () => {
  it('doubles the delay for each crash in a row, up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6].map((crashes) => backoffDelay(crashes, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('counts crashes in a row and gives up at the crash-loop limit', () => {
    let crashes = 0;
    const decisions = [];
    for (let i = 0; i < 5; i++) {
      const decision = decideRespawn(crashes, 50, policy);
      decisions.push(decision);
      crashes = decision.crashes;
    }
    expect(decisions.map((d) => d.action)).toEqual(['respawn', 'respawn', 'respawn', 'respawn', 'give-up']);
    expect(decisions.map((d) => ('delayMs' in d ? d.delayMs : null))).toEqual([100, 200, 400, 800, null]);
  });

  it('starts the count over after a worker ran healthily', () => {
    expect(decideRespawn(4, 5000, policy)).toEqual({ action: 'respawn', crashes: 1, delayMs: 100 });
    expect(decideRespawn(4, 4999, policy)).toEqual({ action: 'give-up', crashes: 5 });
  });
});

describe('the manager options', () => {
  it('fills in the defaults', () => {
    const resolved = resolveOptions({});
    expect(resolved.shutdownGraceMs).toBe(DEFAULT_SHUTDOWN_GRACE_MS);
    expect(resolved.workers).toBeGreaterThan(0);
    expect(resolved.readyOn).toBe('listening');
    expect(resolved.schedulingPolicy).toBeUndefined();
    expect(resolved.setup).toEqual({});
  });

  it.each([
    [{ workers: 0 }, 'workers must be a positive integer, got 0'],
    [{ workers: 1.5 }, 'workers must be a positive integer, got 1.5'],
    [{ schedulingPolicy: 'fifo' }, "schedulingPolicy must be 'rr' or 'none', got 'fifo'"],
    [{ shutdownGraceMs: -1 }, 'shutdownGraceMs must be a finite number of milliseconds (0 or more), got -1'],
    [{ respawn: { crashLoopLimit: 0 } }, 'respawn.crashLoopLimit must be a positive integer, got 0'],
    [{ readyOn: 'exit' }, "readyOn must be 'listening' or 'online', got 'exit'"],
    [{ env: { A: 1 } }, 'env must be an object of strings, got {"A":1}'],
    [{ logger: {} }, 'logger must be an object with info, warn and error methods, or false, got {}'],
  ])('rejects %j, naming the option and the value', (options, message) => {
    expect(() => createClusterManager(options as never)).toThrow(new TypeError(`createClusterManager: ${message}`));
  });

  it.each([
    [undefined, { shutdown: ['SIGTERM', 'SIGINT'], restart: ['SIGHUP'] }],
    [true, { shutdown: ['SIGTERM', 'SIGINT'], restart: ['SIGHUP'] }],
    [false, { shutdown: [], restart: [] }],
    [{}, { shutdown: ['SIGTERM', 'SIGINT'], restart: ['SIGHUP'] }],
    [{ restart: false }, { shutdown: ['SIGTERM', 'SIGINT'], restart: [] }],
    [{ restart: 'SIGUSR2' }, { shutdown: ['SIGTERM', 'SIGINT'], restart: ['SIGUSR2'] }],
    [
      { shutdown: 'SIGTERM', restart: ['SIGUSR2', 'SIGHUP'] },
      { shutdown: ['SIGTERM'], restart: ['SIGUSR2', 'SIGHUP'] },
    ],
    [
      { shutdown: ['SIGTERM', 'SIGTERM'], restart: false },
      { shutdown: ['SIGTERM'], restart: [] },
    ],
    [
      { shutdown: [], restart: 'SIGTERM' },
      { shutdown: [], restart: ['SIGTERM'] },
    ],
  ])('maps signals: %j to %j (a key left out keeps its default)', (signals, resolved) => {
    expect(resolveOptions({ signals: signals as ClusterManagerOptions['signals'] }).signals).toEqual(resolved);
  });

  it.each([
    ['yes', "signals must be true, false or an object { shutdown?, restart? }, got 'yes'"],
    [['SIGTERM'], 'signals must be true, false or an object { shutdown?, restart? }, got ["SIGTERM"]'],
    [{ restrat: 'SIGUSR2' }, "signals has an unknown key 'restrat' (the keys are shutdown and restart)"],
    [{ restart: 12 }, "signals.restart must be a signal's name (such as 'SIGUSR2'), an array of them, or false, got 12"],
    [
      { shutdown: ['SIGTERM', null] },
      `signals.shutdown must be a signal's name (such as 'SIGUSR2'), an array of them, or false, got ["SIGTERM",null]`,
    ],
    [{ restart: 'SIGFOO' }, `signals.restart has 'SIGFOO', but it is not a signal on ${process.platform}`],
    [
      { restart: 'sigusr2' },
      `signals.restart has 'sigusr2', but it is not a signal on ${process.platform} (did you mean 'SIGUSR2'?)`,
    ],
    [
      { shutdown: ['TERM'] },
      `signals.shutdown has 'TERM', but it is not a signal on ${process.platform} (did you mean 'SIGTERM'?)`,
    ],
    [{ shutdown: ['SIGTERM', 'SIGKILL'] }, "signals.shutdown has 'SIGKILL', but no process can handle it"],
    [{ restart: 'SIGSEGV' }, "signals.restart has 'SIGSEGV', but Node cannot run JavaScript safely on it"],
    [
      { shutdown: ['SIGTERM', 'SIGHUP'] },
      `signals has 'SIGHUP' for both shutdown and restart (restart by default), got {"shutdown":["SIGTERM","SIGHUP"]}; a signal can start one of them only`,
    ],
    [
      { shutdown: 'SIGUSR2', restart: ['SIGHUP', 'SIGUSR2'] },
      `signals has 'SIGUSR2' for both shutdown and restart, got {"shutdown":"SIGUSR2","restart":["SIGHUP","SIGUSR2"]}; a signal can start one of them only`,
    ],
  ])('rejects signals: %j, naming the option and the value', (signals, message) => {
    expect(() => createClusterManager({ signals } as never)).toThrow(new TypeError(`createClusterManager: ${message}`));
  });

  it('creates a manager that does nothing until started', () => {
    const manager = createClusterManager({ workers: 1, logger: false });
    expect(manager.state).toBe('idle');
    expect(manager.workers).toEqual([]);
  });
});

/** The cluster manager's pure parts: the respawn policy and the option checks. No processes. */
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/cluster/options.js';
import { backoffDelay, decideRespawn } from '../../src/cluster/respawn-policy.js';
import { createClusterManager, DEFAULT_SHUTDOWN_GRACE_MS } from '../../src/cluster.js';

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

  it('creates a manager that does nothing until started', () => {
    const manager = createClusterManager({ workers: 1, logger: false });
    expect(manager.state).toBe('idle');
    expect(manager.workers).toEqual([]);
  });
});

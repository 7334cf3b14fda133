/** Making one call: options checked, deadline worked out, input encoded, then sent or held until the peer listens. @module */
import { nanoid } from 'nanoid';
import { type EncodeResult, encodePayload } from '../wire/codec.js';
import { type CallSite, encodeError, type RpcError, siteError } from '../wire/errors.js';
import type { Headers } from '../wire/headers.js';
import { call, NO_TIMEOUT } from '../wire/protocol.js';
import { type CallHost, type CallOptions, type CheckedRequestOptions, checkRequestOptions } from './call-options.js';
import type { Peer } from './peer.js';

/** Fails a call before it is sent, counted as made. */
function refuse(host: CallHost, site: CallSite, error: RpcError): Promise<never> {
  host.metrics?.procedure(site.path).made.refused(error.code);
  return Promise.reject(error);
}

/** Why a call or stream to `peer` cannot start: this side closed, or the peer is gone or closed. */
export function peerRefusal(host: CallHost, peer: Peer | undefined, site: CallSite): RpcError | undefined {
  if (!host.accepting) return siteError('SHUTTING_DOWN', site, 'This rpc object is closed');
  if (!peer || peer.state === 'gone') return siteError('DISCONNECTED', site, 'The target process is not alive');
  if (peer.state === 'closed') return siteError('SHUTTING_DOWN', site, 'The target closed its rpc object');
  return undefined;
}

/** Shared by the calls made without an abort signal or a parent: the usual case allocates no list. */
const NO_SIGNALS: readonly AbortSignal[] = Object.freeze([]);

/** Calls `site.path` on `peer` (`undefined`: no live process). Never throws: every failure rejects. */
export function startCall(
  host: CallHost,
  peer: Peer | undefined,
  site: CallSite,
  input: unknown,
  options: CallOptions | undefined,
  /** The input already encoded, when one input goes to many peers. */
  encodedInput?: EncodeResult,
): Promise<unknown> {
  const refusal = peerRefusal(host, peer, site);
  if (refusal || !peer) return refuse(host, site, refusal as RpcError);

  let timeoutMs = host.defaultTimeoutMs;
  let signals: readonly AbortSignal[] = NO_SIGNALS;
  let headers: Headers | undefined;
  if (options !== undefined) {
    let checked: CheckedRequestOptions;
    try {
      checked = checkRequestOptions(options);
    } catch (error) {
      return refuse(host, site, siteError('BAD_REQUEST', site, (error as Error).message));
    }
    if (checked.timeout !== undefined) timeoutMs = checked.timeout;
    headers = checked.headers;
    if (checked.deadline !== undefined) {
      timeoutMs = Math.min(timeoutMs, checked.deadline - Date.now());
      if (timeoutMs <= 0) return refuse(host, site, siteError('TIMEOUT', site, 'The parent call reached its deadline'));
    }
    for (const signal of checked.signals) {
      if (signal.aborted)
        return refuse(host, site, siteError('ABORTED', site, 'Call aborted before it was sent', { cause: signal.reason }));
    }
    if (checked.signals.length > 0) signals = checked.signals;
  }

  const encoded = encodedInput ?? encodePayload(input, 'input', host.maxPayloadBytes);
  if (!encoded.ok) return refuse(host, site, encodeError(encoded, site, host.maxPayloadBytes));

  const id = nanoid();
  const answer = peer.pending.open(id, site, timeoutMs, signals, host.metrics?.procedure(site.path).made);
  const envelope = call(id, site.path, Number.isFinite(timeoutMs) ? Math.ceil(timeoutMs) : NO_TIMEOUT, encoded.payload, headers);
  if (peer.state === 'ready') {
    peer.send(envelope, encoded.bytes);
  } else {
    // Node drops what reaches a process before it listens: hold the call until the peer says hello.
    void peer.whenReady().then((ready) => {
      if (ready && peer.pending.has(id)) peer.send(envelope, encoded.bytes);
    });
  }
  return answer;
}

/** Headers: the strings a call, stream or event carries besides its payload, checked and bounded. @module */

/** A call's, stream's or event's headers, as handlers and listeners read them. */
export type Headers = Readonly<Record<string, string>>;

/** The headers of whatever was sent without any. */
export const NO_HEADERS: Headers = Object.freeze(Object.create(null) as Record<string, string>);

/** The most header bytes (names and values, as UTF-8) one call, stream or event may carry. */
export const MAX_HEADER_BYTES = 8 * 1024;

/**
 * `options.headers`, checked before anything is sent: a plain object of strings within {@link MAX_HEADER_BYTES}.
 * Returns the headers to send (`undefined` for none), or throws a `TypeError` naming what is wrong.
 */
export function checkHeaders(value: unknown): Headers | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new TypeError(`options.headers must be a plain object of strings, got ${describe(value)}`);
  let bytes = 0;
  let count = 0;
  for (const name of Object.keys(value)) {
    const header = (value as Record<string, unknown>)[name];
    if (typeof header !== 'string') throw new TypeError(`options.headers['${name}'] must be a string, got ${describe(header)}`);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(header);
    count++;
  }
  if (bytes > MAX_HEADER_BYTES)
    throw new TypeError(`options.headers hold ${bytes} bytes, over the limit of ${MAX_HEADER_BYTES} (8 KiB)`);
  return count === 0 ? undefined : (value as Headers);
}

/** The gate for headers that arrive: a plain object of strings, bounded as the sender's are (by characters, not bytes). */
export function isWireHeaders(value: unknown): value is Headers {
  if (!isPlainObject(value)) return false;
  let length = 0;
  for (const name of Object.keys(value)) {
    const header = (value as Record<string, unknown>)[name];
    if (typeof header !== 'string') return false;
    length += name.length + header.length;
    if (length > MAX_HEADER_BYTES) return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

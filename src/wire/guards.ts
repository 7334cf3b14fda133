/** Guards for values that arrived from another process or from a caller's hands. @module */

/** `value` is a plain object's shape (not `null`, not an array), whose fields are still to be checked. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value`'s fields to read, or none when it is not an object (a thrown string, `null`, …). */
export function fieldsOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

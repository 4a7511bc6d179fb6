/**
 * Trace and span identifiers as payloads spell them: base64 or hex of the OpenTelemetry bytes, or
 * MLflow's `tr-<32 hex>`. Assay keeps one form: trace ids `tr-<32 lowercase hex>` (as MLflow does, so
 * a trace has the same id whichever way it arrives) and span ids as 16 lowercase hex digits.
 */

/** Bytes in an OpenTelemetry trace id. */
export const TRACE_ID_BYTES = 16;
/** Bytes in an OpenTelemetry span id. */
export const SPAN_ID_BYTES = 8;

const HEX = /^[0-9a-f]+$/i;
// Standard and URL-safe alphabets, padding optional: exporters differ.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Decodes an id written as hex (optionally `0x`-prefixed) or base64 into lowercase hex of exactly
 * `byteLength` bytes; null when it is neither.
 */
export function decodeIdText(text: string, byteLength: number): string | null {
  const t = stripHexPrefix(text.trim(), byteLength);
  // Hex first: a hex id of the right length is never also the base64 of that many bytes
  // (base64 of 16 bytes is 24 characters, of 8 bytes 12).
  if (t.length === byteLength * 2 && HEX.test(t)) return t.toLowerCase();
  if (!BASE64.test(t)) return null;
  const bytes = Buffer.from(t, 'base64');
  return bytes.length === byteLength ? bytes.toString('hex') : null;
}

/**
 * Drops a `0x` prefix only when hex of the right length follows: base64 ids start with `0x` too
 * (about one in 330 does), and those must be decoded whole.
 */
function stripHexPrefix(text: string, byteLength: number): string {
  const rest = text.slice(2);
  return /^0x/i.test(text) && rest.length === byteLength * 2 && HEX.test(rest) ? rest : text;
}

/** Bytes to lowercase hex. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Hex or base64 id text to bytes; the length is not checked here, so the caller can name the field
 * and the size it got. null when the text is neither.
 */
export function idTextToBytes(text: string, expectedBytes: number): Uint8Array | null {
  const t = stripHexPrefix(text.trim(), expectedBytes);
  if (t === '') return new Uint8Array(0);
  const hex = HEX.test(t) && t.length % 2 === 0;
  if (hex && t.length === expectedBytes * 2) return new Uint8Array(Buffer.from(t, 'hex'));
  const base64 = BASE64.test(t) ? new Uint8Array(Buffer.from(t, 'base64')) : null;
  // A wrong-sized id is reported by its size: read it as whichever encoding looks intended.
  if (hex && base64?.length !== expectedBytes) return new Uint8Array(Buffer.from(t, 'hex'));
  return base64;
}

/** `tr-<32 hex>` from a `tr-` id, 32 hex digits or base64 of 16 bytes; null when it is none of these. */
export function normalizeTraceId(text: string): string | null {
  const t = text.trim();
  if (/^tr-[0-9a-f]{32}$/i.test(t)) return t.toLowerCase();
  const hex = decodeIdText(t, TRACE_ID_BYTES);
  return hex === null ? null : traceIdFromHex(hex);
}

/** 16 lowercase hex digits from hex or base64 of 8 bytes; null when it is neither. */
export function normalizeSpanId(text: string): string | null {
  return decodeIdText(text, SPAN_ID_BYTES);
}

/** Assay's trace id for a 32-hex OpenTelemetry trace id. */
export function traceIdFromHex(hex: string): string {
  return `tr-${hex.toLowerCase()}`;
}

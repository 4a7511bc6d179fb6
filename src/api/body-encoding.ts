/**
 * Compressed request bodies (`Content-Encoding: gzip`, `x-gzip`, `deflate`), decompressed as they
 * stream in. The decompressed size is counted chunk by chunk and the stream stops at the body
 * limit, so a small body that inflates to gigabytes (a "zip bomb") never reaches memory.
 */
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import { AssayError, invalid } from '../domain/errors.ts';

export type BodyEncoding = 'identity' | 'gzip' | 'deflate';

/** A decompressed body; Fastify compares `receivedEncodedLength` (bytes on the wire) with Content-Length. */
export type DecodedBody = PassThrough & { receivedEncodedLength: number };

const ENCODINGS: Record<string, BodyEncoding> = { '': 'identity', identity: 'identity', gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate' };

/** The encoding a `Content-Encoding` header names; an unsupported one is a 415 naming the header. */
export function bodyEncodingOf(header: string | string[] | undefined): BodyEncoding {
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
  const encoding = ENCODINGS[value];
  if (encoding !== undefined) return encoding;
  throw new AssayError('UNSUPPORTED_MEDIA_TYPE', `content-encoding: ${JSON.stringify(value)} is not supported; send gzip, deflate or no encoding`);
}

/**
 * `input` decompressed, at most `limit` bytes of it: past that the stream fails with a 413 that
 * names the limit, and a stream that is not valid `encoding` fails with a 400.
 */
export function decompressedBody(input: Readable, encoding: Exclude<BodyEncoding, 'identity'>, limit: number): DecodedBody {
  const output = new PassThrough() as DecodedBody;
  output.receivedEncodedLength = 0;
  let inflater: Gunzip | Inflate | InflateRaw | undefined;
  let decoded = 0;

  const fail = (error: Error) => {
    if (output.destroyed) return;
    input.off('data', onInput);
    // The rest of the upload is read and dropped, so the answer can still be sent on this connection.
    input.resume();
    inflater?.destroy();
    output.destroy(error);
  };

  const start = (first: Buffer): Gunzip | Inflate | InflateRaw => {
    // HTTP's "deflate" is the zlib format, but some senders send raw deflate: the zlib header tells.
    const zlibHeader = first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
    const created = encoding === 'gzip' ? createGunzip() : zlibHeader ? createInflate() : createInflateRaw();
    created.on('data', (chunk: Buffer) => {
      decoded += chunk.length;
      if (decoded > limit) {
        fail(
          new AssayError(
            'REQUEST_LIMIT_EXCEEDED',
            `body: larger than the body limit of ${limit} bytes once decompressed (ASSAY_BODY_LIMIT_BYTES)`,
          ),
        );
        return;
      }
      if (!output.write(chunk)) created.pause();
    });
    output.on('drain', () => created.resume());
    created.on('drain', () => input.resume());
    created.on('end', () => output.end());
    created.on('error', (error) => fail(invalid(`body: not a valid ${encoding} stream (${error.message})`)));
    return created;
  };

  function onInput(chunk: Buffer): void {
    output.receivedEncodedLength += chunk.length;
    inflater ??= start(chunk);
    if (!inflater.write(chunk)) input.pause();
  }
  input.on('data', onInput);
  input.on('end', () => {
    if (inflater) inflater.end();
    else fail(invalid(`body: empty, but content-encoding is ${encoding}`));
  });
  input.on('error', (error) => fail(error));
  return output;
}

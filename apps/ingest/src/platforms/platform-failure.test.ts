import { describe, expect, it } from 'vitest';
import { HttpError, payloadTooLarge, serviceUnavailable } from '../http-error.js';
import { toPlatformFailure } from './platform-failure.js';

/** An error shaped as body-parser raises them: an Error with a 4xx `status`. */
const bodyParserError = (status: number, message: string): Error =>
  Object.assign(new Error(message), { status });

describe('toPlatformFailure', () => {
  it.each([
    [new HttpError(401, 'Invalid API key'), 401, 'Invalid API key', {}],
    [
      payloadTooLarge('more than 1024 identifications in one request'),
      413,
      'Payload too large: more than 1024 identifications in one request',
      {},
    ],
    [serviceUnavailable(), 503, 'Service unavailable', { 'Retry-After': '1' }],
    [
      bodyParserError(413, 'request entity too large'),
      413,
      'Payload too large: body over 1048576 bytes',
      {},
    ],
    [
      bodyParserError(415, 'unsupported content encoding "x"'),
      415,
      'Unsupported content encoding: unsupported content encoding "x"',
      {},
    ],
    [
      bodyParserError(400, 'incorrect header check'),
      400,
      'Bad request: incorrect header check',
      {},
    ],
  ])('%s → %i', (err, status, message, headers) => {
    expect(toPlatformFailure(err)).toStrictEqual({ status, message, headers });
  });

  it.each([
    ['a bug', new TypeError('x is undefined')],
    ['a 5xx that is not ours', bodyParserError(500, 'stream encoding should not be set')],
    ['not an error', 'oops'],
    ['null', null],
  ])('%s is left to the app (a logged 500)', (_name, err) => {
    expect(toPlatformFailure(err)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';
import { readRequestParams } from './request-params.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const read = (
  body: string | undefined,
  contentType?: string,
  query: Record<string, unknown> = {},
) => readRequestParams(body === undefined ? undefined : Buffer.from(body), contentType, query);

const IDENT = { group_type: 'company', group_value: 'acme', group_properties: { plan: 'pro' } };
const IDENT_TEXT = JSON.stringify(IDENT);

describe('readRequestParams', () => {
  describe('from a form body', () => {
    it('reads both parameters, identification as the text sent', () => {
      const body = `api_key=k1&identification=${encodeURIComponent(IDENT_TEXT)}`;
      expect(read(body, FORM)).toEqual({ api_key: 'k1', identification: IDENT_TEXT });
    });

    it('reads a form whatever the content type parameters or case', () => {
      expect(read('api_key=k1', 'Application/X-WWW-Form-URLEncoded; charset=UTF-8')).toEqual({
        api_key: 'k1',
      });
    });

    it('takes the first value of a repeated parameter', () => {
      expect(read('api_key=a&api_key=b&identification=x&identification=y', FORM)).toEqual({
        api_key: 'a',
        identification: 'x',
      });
    });

    it('does not sniff a body declared a form', () => {
      expect(read('{"api_key":"k1"}', FORM)).toEqual({});
    });
  });

  describe('from a JSON body', () => {
    it('reads identification sent as a JSON string as that string', () => {
      expect(
        read(JSON.stringify({ api_key: 'k1', identification: IDENT_TEXT }), JSON_TYPE),
      ).toEqual({
        api_key: 'k1',
        identification: IDENT_TEXT,
      });
    });

    it('reads identification sent as an object or an array as it was parsed', () => {
      expect(read(JSON.stringify({ api_key: 'k1', identification: IDENT }), JSON_TYPE)).toEqual({
        api_key: 'k1',
        identification: IDENT,
      });
      expect(read(JSON.stringify({ api_key: 'k1', identification: [IDENT] }), JSON_TYPE)).toEqual({
        api_key: 'k1',
        identification: [IDENT],
      });
    });

    it('reads JSON by a +json content type, with parameters', () => {
      expect(read('{"api_key":"k1"}', 'application/vnd.example+json; charset=utf-8')).toEqual({
        api_key: 'k1',
      });
    });

    it.each([JSON_TYPE, 'application/vnd.example+json'])(
      'refuses a %s body that is not a JSON object with a 400',
      (contentType) => {
        for (const body of ['{"api_key":', '[1]', '"k1"', 'null']) {
          let thrown: unknown;
          try {
            read(body, contentType);
          } catch (error) {
            thrown = error;
          }
          expect(thrown, body).toBeInstanceOf(HttpError);
          expect((thrown as HttpError).status).toBe(400);
        }
      },
    );

    it('does not take an api_key that is not a string', () => {
      expect(read('{"api_key":123}', JSON_TYPE)).toEqual({});
      expect(read('{"api_key":123}', JSON_TYPE, { api_key: 'q' })).toEqual({ api_key: 'q' });
    });
  });

  describe('from the query string', () => {
    it('reads both parameters when there is no body', () => {
      const query = { api_key: 'k1', identification: IDENT_TEXT };
      expect(read(undefined, undefined, query)).toEqual(query);
      expect(read('', FORM, query)).toEqual(query);
    });

    it('takes the first value of a repeated parameter', () => {
      expect(
        read(undefined, undefined, { api_key: ['a', 'b'], identification: ['x', 'y'] }),
      ).toEqual({ api_key: 'a', identification: 'x' });
    });

    it('does not take a query value that is not a string', () => {
      expect(
        read(undefined, undefined, { api_key: { nested: 'k' }, identification: { a: '1' } }),
      ).toEqual({});
    });
  });

  describe('sniffing a body without a usable content type', () => {
    it.each([undefined, '', 'text/plain', 'application/octet-stream'])(
      'reads a body starting with "{" as JSON (content type %j)',
      (contentType) => {
        expect(read('  {"api_key":"k1","identification":{"a":1}}', contentType)).toEqual({
          api_key: 'k1',
          identification: { a: 1 },
        });
      },
    );

    it.each([undefined, 'text/plain'])(
      'reads anything else as a form (content type %j)',
      (contentType) => {
        expect(read('api_key=k1&identification=%7B%7D', contentType)).toEqual({
          api_key: 'k1',
          identification: '{}',
        });
      },
    );
  });

  describe('first match wins per parameter', () => {
    it('prefers the body to the query string', () => {
      const query = { api_key: 'query-key', identification: 'query-ident' };
      expect(read('api_key=form-key&identification=form-ident', FORM, query)).toEqual({
        api_key: 'form-key',
        identification: 'form-ident',
      });
      expect(
        read(JSON.stringify({ api_key: 'json-key', identification: IDENT }), JSON_TYPE, query),
      ).toEqual({ api_key: 'json-key', identification: IDENT });
    });

    it('takes each parameter from where it is found first', () => {
      const query = { api_key: 'query-key', identification: 'query-ident' };
      expect(read('api_key=form-key', FORM, query)).toEqual({
        api_key: 'form-key',
        identification: 'query-ident',
      });
      expect(read('identification=form-ident', FORM, query)).toEqual({
        api_key: 'query-key',
        identification: 'form-ident',
      });
      expect(read('{"identification":"json-ident"}', JSON_TYPE, query)).toEqual({
        api_key: 'query-key',
        identification: 'json-ident',
      });
    });

    it('passes over an empty or null identification in the body', () => {
      const query = { identification: 'query-ident' };
      expect(read('identification=', FORM, query)).toEqual({ identification: 'query-ident' });
      expect(read('{"identification":null}', JSON_TYPE, query)).toEqual({
        identification: 'query-ident',
      });
      expect(read('{"identification":""}', JSON_TYPE, query)).toEqual({
        identification: 'query-ident',
      });
    });

    it('answers no api_key or identification when all are empty', () => {
      expect(read('api_key=&identification=', FORM, { identification: '' })).toEqual({});
    });
  });

  describe('unknown parameters', () => {
    it('are ignored wherever they are', () => {
      expect(read('api_key=k1&extra=1&identification=i&api_key2=x', FORM, { other: 'q' })).toEqual({
        api_key: 'k1',
        identification: 'i',
      });
      expect(
        read(JSON.stringify({ api_key: 'k1', identification: 'i', extra: { a: 1 } }), JSON_TYPE, {
          other: 'q',
        }),
      ).toEqual({ api_key: 'k1', identification: 'i' });
    });

    it('leave nothing when no known parameter is anywhere', () => {
      expect(read('a=1&b=2', FORM, { c: '3' })).toEqual({});
      expect(read('{"a":1}', JSON_TYPE, { c: '3' })).toEqual({});
    });
  });
});

import { formParams } from './form-params.js';
import { HttpError } from './http-error.js';
import { single } from './single-value.js';

/** The two parameters of `/groupidentify`, as found; `identification` may already be parsed. */
export interface RequestParams {
  api_key?: string;
  identification?: unknown;
}

type Source = Record<string, unknown>;

/**
 * Reads `api_key` and `identification` from, in order (first match wins per parameter): the form
 * body, the JSON body, the query string (docs/api.md). A body without a usable content type is
 * sniffed: `{` starts JSON, anything else is read as a form (curl's `--data` sends a form).
 */
export function readRequestParams(
  body: Buffer | undefined,
  contentType: string | undefined,
  query: Source,
): RequestParams {
  const bodyParams = body === undefined || body.length === 0 ? {} : parseBody(body, contentType);
  const params: RequestParams = {};
  const apiKey = single(bodyParams['api_key']) ?? single(query['api_key']);
  if (apiKey !== undefined && apiKey !== '') params.api_key = apiKey;
  const identification =
    present(bodyParams['identification']) ?? present(single(query['identification']));
  if (identification !== undefined) params.identification = identification;
  return params;
}

function parseBody(body: Buffer, contentType: string | undefined): Source {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = body.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return parseForm(text);
  if (type === 'application/json' || type.endsWith('+json')) return parseJson(text);
  return text.trimStart().startsWith('{') ? parseJson(text) : parseForm(text);
}

function parseForm(text: string): Source {
  return formParams(text, ['api_key', 'identification']);
}

function parseJson(text: string): Source {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Invalid JSON body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'Invalid JSON body', { reason: 'the body must be a JSON object' });
  }
  const source = parsed as Source;
  return { api_key: source['api_key'], identification: source['identification'] };
}

function present(value: unknown): unknown {
  return value === undefined || value === null || value === '' ? undefined : value;
}

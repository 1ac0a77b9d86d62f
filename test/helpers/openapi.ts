import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '@groupidentify/ingest';

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

const doc = openApiDocument() as unknown as OpenApiDoc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
addFormats(ajv);
ajv.addSchema({ ...doc, $id: 'openapi' });

const escape = (s: string): string => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** The documented path template that `urlPath` (decoded or not) falls under. */
export function pathTemplate(urlPath: string): string {
  const match = Object.keys(doc.paths)
    .map((template) => ({
      template,
      regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literal: !template.includes('{'),
    }))
    .sort((a, b) => Number(b.literal) - Number(a.literal))
    .find(({ regex }) => regex.test(urlPath));
  if (match === undefined) throw new Error(`${urlPath} is not in the OpenAPI document`);
  return match.template;
}

/**
 * Throws unless a real response is one the OpenAPI document describes: the path, method and
 * status are documented, and the body validates against the documented schema.
 */
export function assertMatchesOpenApi(
  method: string,
  urlPath: string,
  status: number,
  contentType: string | null,
  body: string,
): void {
  const template = pathTemplate(urlPath);
  if (status === 405) {
    // A method the document does not list for a documented path: the generic error body.
    validateAt(
      '/components/schemas/Error',
      'application/json',
      contentType,
      body,
      `${method} ${urlPath} 405`,
    );
    return;
  }
  const operation = doc.paths[template]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`${method} ${template} is not documented`);
  let pointer = `/paths/${escape(template)}/${method.toLowerCase()}/responses/${status}`;
  let response = operation.responses[String(status)] as
    { $ref?: string; content?: Record<string, unknown> } | undefined;
  if (response === undefined)
    throw new Error(`${method} ${template} does not document status ${status}`);
  if (response.$ref !== undefined) {
    pointer = response.$ref.slice(1);
    const name = pointer.split('/')[3];
    response = (doc as unknown as { components: { responses: Record<string, typeof response> } })
      .components.responses[name ?? ''];
  }
  // A response documented without content (204) must have no body.
  if (response !== undefined && response.content === undefined) {
    if (body !== '')
      throw new Error(`${method} ${template} ${status}: a body the document does not describe`);
    return;
  }
  const type = mediaType(contentType);
  if (response?.content?.[type] === undefined) {
    throw new Error(`${method} ${template} ${status}: undocumented content type ${type}`);
  }
  validateAt(
    `${pointer}/content/${escape(type)}/schema`,
    type,
    contentType,
    body,
    `${method} ${urlPath} ${status}`,
  );
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim() ?? '';
}

function validateAt(
  pointer: string,
  expectedType: string,
  contentType: string | null,
  body: string,
  what: string,
): void {
  if (mediaType(contentType) !== expectedType)
    throw new Error(`${what}: content type ${contentType}, expected ${expectedType}`);
  const validate = ajv.getSchema(`openapi#${pointer}`);
  if (validate === undefined) throw new Error(`no schema at ${pointer}`);
  // NDJSON: the schema is that of one line, and every line must match it.
  const values: unknown[] =
    expectedType === 'application/json'
      ? [JSON.parse(body)]
      : expectedType === 'application/x-ndjson'
        ? body
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as unknown)
        : [body];
  for (const value of values)
    if (!validate(value))
      throw new Error(
        `${what} does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}`,
      );
}

/**
 * One real request to `baseUrl`; its response must be one the OpenAPI document describes.
 * Returns its status, body and path (for a test's record of what it covered).
 */
export async function fetchMatchingOpenApi(
  baseUrl: string,
  method: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; text: string; pathname: string }> {
  const res = await fetch(`${baseUrl}${path}`, { method, ...init });
  const text = await res.text();
  const { pathname } = new URL(path, baseUrl);
  assertMatchesOpenApi(method, pathname, res.status, res.headers.get('content-type'), text);
  return { status: res.status, text, pathname };
}

import { readFileSync, readdirSync } from 'node:fs';

type Section = Record<string, unknown>;

interface Document {
  paths: Section;
  components: Record<string, Section>;
  [key: string]: unknown;
}

const DIR = new URL('../openapi/', import.meta.url);

/**
 * The OpenAPI 3.1 description of every endpoint: `openapi/openapi.json`, with the `paths` and
 * `components` of every `openapi/parts/*.json` merged in, so that each surface of the API keeps
 * its description in a file of its own. A part may not redefine a path or component.
 */
export function openApiDocument(): Document {
  const doc = JSON.parse(readFileSync(new URL('openapi.json', DIR), 'utf8')) as Document;
  const parts = readdirSync(new URL('parts/', DIR))
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of parts) {
    const part = JSON.parse(
      readFileSync(new URL(`parts/${file}`, DIR), 'utf8'),
    ) as Partial<Document>;
    merge(doc.paths, part.paths ?? {}, `paths of ${file}`);
    for (const [kind, section] of Object.entries(part.components ?? {}))
      merge((doc.components[kind] ??= {}), section, `components.${kind} of ${file}`);
  }
  return doc;
}

function merge(into: Section, from: Section, where: string): void {
  for (const [key, value] of Object.entries(from)) {
    if (Object.hasOwn(into, key)) throw new Error(`OpenAPI: ${where} redefines ${key}`);
    into[key] = value;
  }
}

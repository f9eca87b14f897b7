/**
 * Writes docs/openapi.json, the API's OpenAPI document as generated from the zod schemas
 * (src/adapters/http/openapi/), and the console's client types generated from that document
 * (console/src/api/schema.d.ts, openapi-typescript). `npm run docs:openapi`; test/unit/openapi.test.ts fails
 * when either checked-in copy no longer matches.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { openApiDocument } from '../src/adapters/http/openapi/document.js';

const ROOT = join(import.meta.dirname, '..');
export const OPENAPI_DOC = join(ROOT, 'docs', 'openapi.json');
export const CONSOLE_API_TYPES = join(ROOT, 'console', 'src', 'api', 'schema.d.ts');
export const renderOpenApi = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

export async function renderConsoleApiTypes(): Promise<string> {
  const ast = await openapiTS(structuredClone(openApiDocument()) as never);
  return `// Generated from docs/openapi.json by \`npm run docs:openapi\`: do not edit.\n${astToString(ast)}`;
}

if (process.argv[1] === import.meta.filename) {
  writeFileSync(OPENAPI_DOC, renderOpenApi());
  writeFileSync(CONSOLE_API_TYPES, await renderConsoleApiTypes());
  console.log(`wrote ${OPENAPI_DOC} and ${CONSOLE_API_TYPES}`);
}

/**
 * Writes docs/openapi.json, the API's OpenAPI document as generated from the zod schemas
 * (src/adapters/http/openapi/). `npm run docs:openapi`; test/unit/openapi.test.ts fails when the checked-in
 * copy no longer matches.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/adapters/http/openapi/document.js';

export const OPENAPI_DOC = join(import.meta.dirname, '..', 'docs', 'openapi.json');
export const renderOpenApi = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (process.argv[1] === import.meta.filename) {
  writeFileSync(OPENAPI_DOC, renderOpenApi());
  console.log(`wrote ${OPENAPI_DOC}`);
}

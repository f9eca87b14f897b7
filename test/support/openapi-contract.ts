import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../src/adapters/http/openapi/document.js';

/**
 * Validates live API responses against the OpenAPI document with Ajv (JSON Schema 2020-12, the dialect of
 * OpenAPI 3.1): the status must be documented for the operation, the media type documented for that
 * status, and the body must match its schema. The e2e client runs every response through it.
 */
const document = openApiDocument();
const DOCUMENT_ID = 'https://media-pipeline.dev/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...document, $id: DOCUMENT_ID });

type Responses = Record<string, { content?: Record<string, unknown> }>;
const operations = Object.entries(document.paths ?? {}).flatMap(([template, item]) =>
  Object.entries(item as Record<string, { operationId?: string; responses?: Responses }>).map(
    ([method, operation]) => ({
      template,
      method: method.toUpperCase(),
      operationId: operation.operationId ?? `${method} ${template}`,
      responses: operation.responses ?? {},
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }),
  ),
);

/** Every operation and status seen by this process, as `operationId status` (for coverage checks). */
export const validatedResponses = new Set<string>();
export const documentedOperations = operations.map((operation) => operation.operationId);

const pointer = (...parts: string[]) =>
  parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map<string, ValidateFunction>();

export class ContractViolation extends Error {}

/** Throws ContractViolation when the response is not what the document says this operation answers. */
export function assertResponseMatchesContract(
  method: string,
  pathWithQuery: string,
  response: { status: number; contentType: string; body: unknown },
): void {
  const path = pathWithQuery.split('?')[0] as string;
  const operation = operations.find((op) => op.method === method.toUpperCase() && op.pattern.test(path));
  if (!operation) throw new ContractViolation(`${method} ${path} is not in the OpenAPI document`);
  const status = String(response.status);
  const documented = operation.responses[status];
  if (!documented) {
    throw new ContractViolation(
      `${operation.operationId} answered ${status}, which the document does not list: ${JSON.stringify(response.body)}`,
    );
  }
  const mediaType = response.contentType.split(';')[0]?.trim() ?? '';
  const content = documented.content;
  if (!content) {
    if (response.status !== 204 && response.body !== undefined && response.body !== '') {
      throw new ContractViolation(`${operation.operationId} ${status} has a body the document does not give`);
    }
  } else {
    if (!(mediaType in content)) {
      throw new ContractViolation(
        `${operation.operationId} ${status} answered ${mediaType || 'no content type'}; documented: ${Object.keys(content).join(', ')}`,
      );
    }
    const ref = `${DOCUMENT_ID}#/${pointer('paths', operation.template, method.toLowerCase(), 'responses', status, 'content', mediaType, 'schema')}`;
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      validators.set(ref, validate);
    }
    if (!validate(response.body)) {
      throw new ContractViolation(
        `${operation.operationId} ${status} body does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(response.body).slice(0, 2000)}`,
      );
    }
  }
  validatedResponses.add(`${operation.operationId} ${status}`);
}

/**
 * Generates the TypeScript client's types (src/client/schema.ts) from the
 * OpenAPI document the server itself serves at /openapi.json, so the client
 * can never describe an API the server does not have.
 *
 * Promises:
 * - the output depends only on the document (an app built in-process over a
 *   throwaway store; nothing listens, nothing is sent);
 * - `npm run client:types` rewrites the committed file; client-types.test.ts
 *   fails when the committed file differs from what this would write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { capturingTransport, createTestServer } from '../server/testing.js';

/** Where the generated types live, committed. */
export const CLIENT_SCHEMA_PATH = fileURLToPath(new URL('../client/schema.ts', import.meta.url));

const HEADER = `/**
 * The v1 API's types, generated from the server's /openapi.json by
 * \`npm run client:types\` (src/dev/client-types.ts). Do not edit by hand:
 * a test fails when this file differs from what the server serves.
 */
`;

/** The server's OpenAPI document, as served. */
export async function serverOpenApiDocument(): Promise<Record<string, unknown>> {
  const s = await createTestServer({ transport: capturingTransport() });
  try {
    const res = await s.app.inject({ url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
    return JSON.parse(res.body);
  } finally {
    await s.close();
  }
}

/** The text of src/client/schema.ts for the current server. */
export async function generateClientTypes(): Promise<string> {
  // defaultNonNullable off: a field with a default (e.g. `priority`) stays
  // optional in request bodies, as the server treats it.
  const ast = await openapiTS((await serverOpenApiDocument()) as any, { defaultNonNullable: false });
  return HEADER + astToString(ast);
}

/** The committed text, or '' when the file is missing. */
export function committedClientTypes(): string {
  try {
    return readFileSync(CLIENT_SCHEMA_PATH, 'utf8');
  } catch {
    return '';
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await generateClientTypes();
  writeFileSync(CLIENT_SCHEMA_PATH, text);
  console.log(`wrote ${CLIENT_SCHEMA_PATH}`);
}

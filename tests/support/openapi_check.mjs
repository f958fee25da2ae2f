// Checks an OpenAPI document with @seriousme/openapi-schema-validator (the OpenAPI
// Initiative's own JSON Schemas of the format, 3.0 to 3.2) and then what that leaves out:
// every local $ref ("#/…") points at something, and every JSON Schema in the document (the
// components and each parameter's, body's and answer's) is valid against JSON Schema 2020-12,
// OpenAPI 3.1's dialect, by ajv.
//
// Usage: node openapi_check.mjs FILE
// Prints "valid 3.1" and exits 0; otherwise prints each problem to stderr and exits 1.
// The packages are the browser tests' (tests/browser/package.json).
import { readFileSync } from 'node:fs';

const modules = new URL('../browser/node_modules/', import.meta.url);
const { Validator } = await import(new URL('@seriousme/openapi-schema-validator/index.js', modules));
const { default: Ajv2020 } = await import(new URL('ajv/dist/2020.js', modules));

const file = process.argv[2];
if (!file) {
  console.error('usage: node openapi_check.mjs FILE');
  process.exit(2);
}
const problems = [];
let document;
try {
  document = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.error(`not JSON: ${e.message}`);
  process.exit(1);
}

const validator = new Validator();
const result = await validator.validate(document);
if (!result.valid) {
  for (const error of [].concat(result.errors)) problems.push(`openapi: ${JSON.stringify(error)}`);
}

// Local references.
const resolve = (pointer) => {
  let at = document;
  for (const raw of pointer.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !(key in at)) return undefined;
    at = at[key];
  }
  return at;
};
const walk = (value, where, visit) => {
  if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${where}/${i}`, visit));
  else if (value && typeof value === 'object') {
    visit(value, where);
    for (const [key, item] of Object.entries(value)) walk(item, `${where}/${key}`, visit);
  }
};
walk(document, '#', (object, where) => {
  if (typeof object.$ref === 'string' && object.$ref.startsWith('#') && resolve(object.$ref) === undefined)
    problems.push(`${where}: $ref ${object.$ref} points at nothing`);
});

// The JSON Schemas themselves.
const ajv = new Ajv2020({ strict: false, validateFormats: false });
const checkSchema = (schema, where) => {
  if (!ajv.validateSchema(schema)) problems.push(`${where}: not a valid JSON Schema: ${ajv.errorsText(ajv.errors)}`);
};
for (const [name, schema] of Object.entries(document.components?.schemas ?? {}))
  checkSchema(schema, `#/components/schemas/${name}`);
for (const [path, item] of Object.entries(document.paths ?? {})) {
  for (const [method, op] of Object.entries(item)) {
    const at = `${method.toUpperCase()} ${path}`;
    for (const p of op.parameters ?? []) checkSchema(p.schema, `${at} parameter ${p.name}`);
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
      if (media.schema) checkSchema(media.schema, `${at} request ${type}`);
    for (const [status, answer] of Object.entries(op.responses ?? {}))
      for (const [type, media] of Object.entries(answer.content ?? {}))
        if (media.schema) checkSchema(media.schema, `${at} ${status} ${type}`);
  }
}

if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`valid ${validator.version}`);

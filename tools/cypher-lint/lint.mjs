// Lints Cypher texts with Neo4j's own front end (parser + semantic analysis of @neo4j-cypher/language-support).
//
// Input on stdin: a JSON array of {"name": str, "query": str, "parameters": [str, ...]}.
// Output on stdout: a JSON array of {"name": str, "diagnostics": [{"severity": int, "message": str, "offset": int}]}
// with one entry per input, in order. The parameters named for a text are declared to the linter, so an
// undeclared parameter is reported like any other problem.
import { lintCypherQuery } from '@neo4j-cypher/language-support';

// The functions and procedures of a real Neo4j (5 and 25), as the package ships them for its own tests:
// with them the linter also reports an unknown function or procedure and a wrong call signature.
const signatures = new URL(
  './node_modules/@neo4j-cypher/language-support/dist/esm/project/language-support/src/tests/testData.js',
  import.meta.url,
);
const { testData } = await import(signatures);
const { functions, procedures } = testData.mockSchema;

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const out = texts.map(({ name, query, parameters }) => {
  const declared = Object.fromEntries((parameters ?? []).map((p) => [p, null]));
  const { diagnostics } = lintCypherQuery(query, { functions, procedures, parameters: declared });
  return {
    name,
    diagnostics: diagnostics.map((d) => ({ severity: d.severity, message: d.message, offset: d.offsets?.start ?? -1 })),
  };
});
process.stdout.write(JSON.stringify(out));

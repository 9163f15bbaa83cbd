// Reads a JSON array of xAPI statements on stdin and writes, as one JSON
// array, the problems Learning Locker's validator finds in each statement
// ([] for a valid one). Used by the Go tests (internal/lrstest); exits
// non-zero when the input is not a JSON array or the validator is missing.
'use strict';
const validate = require('@learninglocker/xapi-validation').default;

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const statements = JSON.parse(input);
  if (!Array.isArray(statements)) {
    throw new Error('stdin must hold a JSON array of statements');
  }
  const problems = statements.map((s) => validate(s).map((w) =>
    `${w.path.join('.')}: ${w.constructor.name}${w.typeName ? ' (' + w.typeName + ')' : ''}, got ${JSON.stringify(w.data)}`));
  process.stdout.write(JSON.stringify(problems));
});

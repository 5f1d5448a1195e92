// Differential oracle for msgport-clone: a line-oriented JSON protocol over
// stdin/stdout. Uses V8's own ValueSerializer through node:v8's base
// Serializer/Deserializer classes (the DefaultSerializer behind
// v8.serialize() writes typed arrays as Node-specific host objects instead).
'use strict';
const v8 = require('node:v8');
const util = require('node:util');
const readline = require('node:readline');

function serialize(value) {
  const s = new v8.Serializer();
  s.writeHeader();
  s.writeValue(value);
  return s.releaseBuffer();
}
function deserialize(buf) {
  const d = new v8.Deserializer(buf);
  d.readHeader();
  return d.readValue();
}
const evaluate = (expr) => (0, eval)(`(${expr})`);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const req = JSON.parse(line);
  let res;
  try {
    switch (req.op) {
      // Node's bytes for a JS expression.
      case 'eval':
        res = { hex: serialize(evaluate(req.expr)).toString('hex') };
        break;
      // Decode bytes, compare with a fresh evaluation of the expression.
      case 'check': {
        // `expr` is what the clone must equal; `?pred` is a predicate on it.
        const got = deserialize(Buffer.from(req.hex, 'hex'));
        const equal = req.expr.startsWith('?') ? evaluate(req.expr.slice(1))(got) === true : util.isDeepStrictEqual(got, evaluate(req.expr));
        res = { equal, got: util.inspect(got, { depth: 4 }) };
        break;
      }
      // Decode bytes and encode the result again.
      case 'roundtrip':
        res = { hex: serialize(deserialize(Buffer.from(req.hex, 'hex'))).toString('hex') };
        break;
      default:
        res = { error: `unknown op ${req.op}` };
    }
  } catch (e) {
    res = { error: String(e && e.stack || e) };
  }
  process.stdout.write(JSON.stringify(res) + '\n');
});

// The Node side of `cargo bench -p msgport-clone`: builds the benchmark
// values, times V8's serializer on them the same way the Rust side times
// msgport (batches of iterations, median batch), and prints one JSON line:
// {name: {hex, encode_ns, decode_ns}}.
'use strict';
const v8 = require('node:v8');

function graph() {
  // 10,000 objects: numbers, strings, arrays, a Map, nesting 4 deep, one cycle.
  let objects = 0;
  const obj = (o) => { objects++; return o; };
  const root = obj({ kind: 'root', groups: obj([]), index: obj(new Map()) });
  for (let g = 0; objects < 9990; g++) {
    const group = obj({ id: g, name: 'group-' + g, members: obj([]) });
    root.groups.push(group);
    for (let m = 0; m < 30 && objects < 9995; m++) {
      const member = obj({ id: g * 100 + m, score: m * 1.25, label: 'member ' + m, tags: obj(['a', 'b' + m]) });
      group.members.push(member);
      for (let l = 0; l < 3 && objects < 10000; l++) {
        member['leaf' + l] = obj({ x: l, y: -l * 0.5, s: 'leaf' });
      }
    }
    root.index.set('group-' + g, g);
  }
  root.self = root; // the cycle
  return { value: root, objects };
}

function serialize(v) { const s = new v8.Serializer(); s.writeHeader(); s.writeValue(v); return s.releaseBuffer(); }
function deserialize(b) { const d = new v8.Deserializer(b); d.readHeader(); return d.readValue(); }

function time(fn) {
  // Warm up, then 15 batches sized to ~20 ms each; report the median ns/op.
  let n = 1; const t0 = process.hrtime.bigint(); fn();
  const one = Number(process.hrtime.bigint() - t0);
  n = Math.max(1, Math.round(20e6 / Math.max(one, 1)));
  for (let i = 0; i < n; i++) fn();
  const batches = [];
  for (let b = 0; b < 15; b++) {
    const s = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    batches.push(Number(process.hrtime.bigint() - s) / n);
  }
  batches.sort((a, b) => a - b);
  return batches[7];
}

const { value: g, objects } = graph();
const values = { graph: g, string_1k: { id: 7, body: 'x'.repeat(1024) } };
const out = { graph_objects: objects };
for (const [name, v] of Object.entries(values)) {
  const bytes = serialize(v);
  out[name] = {
    hex: bytes.toString('hex'),
    encode_ns: time(() => serialize(v)),
    decode_ns: time(() => deserialize(bytes)),
    // v8.serialize() (Node's DefaultSerializer) for reference.
    node_api_encode_ns: time(() => v8.serialize(v)),
  };
}
process.stdout.write(JSON.stringify(out) + '\n');

// structuredClone of a 10,000-object graph (numbers, strings, arrays, a
// Map, nesting 4 deep, one cycle): the mean of 30 clones after 5 warm-ups.
function graph() {
  const root = { kind: "root", items: [], index: new Map() };
  let made = 0;
  for (let a = 0; made < 10000; a++) {
    const l1 = { id: a, name: "node-" + a, children: [] };
    made++;
    for (let b = 0; b < 9 && made < 10000; b++) {
      const l2 = { v: a * 10 + b, tags: ["x", "y"], deep: { w: b / 3, s: "leaf" } };
      made += 3;
      l1.children.push(l2);
    }
    root.items.push(l1);
    if (a % 10 === 0) root.index.set("k" + a, l1);
  }
  root.self = root;
  return root;
}
const g = graph();
for (let i = 0; i < 5; i++) structuredClone(g);
const N = 30;
const t0 = performance.now();
for (let i = 0; i < N; i++) structuredClone(g);
benchResult("structuredClone", (performance.now() - t0) / N * 1000, "us");

// A realistic object graph for the clone benchmarks (issue 14, item 5):
// the state of an issue tracker as an app would hand it to a worker or
// snapshot it for undo. It mixes every common type of the structured clone
// algorithm: plain objects and arrays, Maps and Sets, Dates, RegExps,
// BigInts, typed arrays, Errors with causes, a sparse array, a primitive
// wrapper, and many shared references and cycles (authors, labels, the
// project, parent and child issues). `trackerState(n)` makes n issues;
// `countObjects(v)` counts the objects a clone makes.
function trackerState(nIssues) {
  let seed = 42;
  const rnd = (k) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % k; };
  const words = ["parser", "worker", "timeout", "cache", "render", "login", "upload", "retry", "index", "socket", "crash", "slow", "layout", "token"];
  const text = (n) => { let s = ""; for (let i = 0; i < n; i++) s += (i ? " " : "") + words[rnd(words.length)]; return s; };
  const day = (d) => new Date(Date.UTC(2026, 0, 1) + d * 86400000 + rnd(86400000));
  const project = { name: "msgport", key: "MP", created: day(-400), settings: new Map([["defaultAssignee", null], ["workflow", ["open", "review", "closed"]], ["wip", 5]]) };
  const users = new Map();
  for (let i = 0; i < 60; i++) {
    const login = "user" + i;
    users.set(login, {
      id: 1000 + i, login, name: "User " + i, email: login + "@example.org",
      joined: day(-rnd(300)), roles: new Set(i % 7 ? ["dev"] : ["dev", "admin"]),
      prefs: { theme: i % 2 ? "dark" : "light", tz: "UTC", notify: { mention: true, digest: i % 3 === 0 } },
      avatar: new Uint8Array(16).map((_, k) => (i * 31 + k) & 255),
    });
  }
  const people = [...users.values()];
  const labels = ["bug", "feature", "perf", "docs", "security", "flaky", "good first issue"].map((name, i) => ({
    name, color: "#" + (0x100000 + i * 0x2f3a1).toString(16).slice(0, 6), match: new RegExp("^" + name.replace(/ /g, "-") + "(/\\d+)?$", "i"),
  }));
  const milestones = [1, 2, 3, 4].map((n) => ({ title: "v0." + n, due: day(30 * n), open: n > 2 }));
  const issues = [];
  for (let i = 0; i < nIssues; i++) {
    const author = people[rnd(people.length)];
    const created = day(-rnd(200));
    const comments = [];
    for (let c = 0, nc = 2 + rnd(6); c < nc; c++) {
      comments.push({
        id: i * 100 + c, author: people[rnd(people.length)], at: day(-rnd(100)), body: text(8 + rnd(20)),
        reactions: new Map([["+1", rnd(5)], ["heart", rnd(2)]]), edited: c % 3 === 0 ? day(-rnd(50)) : null,
      });
    }
    const timeline = [];
    for (let e = 0, ne = 1 + rnd(4); e < ne; e++) timeline.push({ kind: ["labeled", "assigned", "referenced", "closed"][rnd(4)], at: day(-rnd(150)), actor: people[rnd(people.length)] });
    const issue = {
      id: 50000 + i, number: i + 1, title: text(5), body: text(40), state: i % 4 ? "open" : "closed",
      author, assignees: [people[rnd(people.length)], people[rnd(people.length)]],
      labels: new Set([labels[rnd(labels.length)], labels[rnd(labels.length)]]),
      milestone: milestones[rnd(milestones.length)], project,
      created, updated: day(-rnd(20)), comments, timeline,
      votes: BigInt(rnd(1000)) * 10_000_000_000n, checksum: 0x1234567890abcdefn + BigInt(i),
      fields: new Map([["priority", rnd(4)], ["points", [1, 2, 3, 5, 8][rnd(5)]], ["component", words[rnd(words.length)]]]),
      parent: null, children: [],
    };
    if (i % 25 === 7) issue.lastRun = new TypeError("build " + i + " failed", { cause: new RangeError("exit code " + (1 + rnd(100))) });
    if (i % 50 === 3) { const s = []; s[0] = "ci"; s[9] = "manual"; issue.checks = s; }
    if (i % 40 === 11) issue.pinned = new Boolean(true);
    if (i % 10 === 9) { issue.parent = issues[i - 1 - rnd(5)]; issue.parent.children.push(issue); }
    issues.push(issue);
  }
  return { project, users, labels, milestones, issues, byNumber: new Map(issues.map((x) => [x.number, x])), generatedAt: new Date(Date.UTC(2026, 11, 5)) };
}
function countObjects(v, seen = new Set()) {
  if (v === null || (typeof v !== "object" && typeof v !== "function") || seen.has(v)) return 0;
  seen.add(v);
  let n = 1;
  if (v instanceof Map) for (const [k, x] of v) n += countObjects(k, seen) + countObjects(x, seen);
  else if (v instanceof Set) for (const x of v) n += countObjects(x, seen);
  else if (v instanceof Error) n += countObjects(v.cause, seen);
  else if (!ArrayBuffer.isView(v)) for (const k of Object.keys(v)) n += countObjects(v[k], seen);
  else n += 1; // its ArrayBuffer
  return n;
}

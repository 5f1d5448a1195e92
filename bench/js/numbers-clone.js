// structuredClone of an array of 100,000 doubles (a chart's series, a
// sensor's samples): the mean of 20 clones after 3 warm-ups.
const data = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 100) * 1000);
for (let i = 0; i < 3; i++) structuredClone(data);
const N = 20;
const t0 = performance.now();
for (let i = 0; i < N; i++) structuredClone(data);
benchResult("numbers-clone", (performance.now() - t0) / N * 1000, "us");

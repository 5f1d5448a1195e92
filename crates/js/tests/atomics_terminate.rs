//! A worker blocked in `Atomics.wait` with no timeout is stopped by
//! `terminate()` (HTML `#terminate-a-worker`): its thread ends and is
//! joined, rather than sleeping until the process exits. (One test in this
//! binary: it counts the process's threads.)

#[cfg(target_os = "linux")]
fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn terminated_workers_blocked_in_atomics_wait_end_their_threads() {
    let before = threads();
    let out = msgport_js::run_captured(
        "const a = new Int32Array(new SharedArrayBuffer(4));
         const code = 'onmessage = (e) => { postMessage(1); Atomics.wait(new Int32Array(e.data), 0, 0); postMessage(2); }';
         const url = URL.createObjectURL(new Blob([code]));
         let blocked = 0;
         const workers = [];
         for (let i = 0; i < 12; i++) {
           const w = new Worker(url);
           workers.push(w);
           w.onmessage = (e) => {
             if (e.data === 2) console.log('a terminated worker went on');
             if (++blocked === 12) setTimeout(() => {
               workers.forEach((w) => w.terminate());
               // Their threads end and are joined while this context still runs.
               setTimeout(() => console.log('done', Atomics.load(a, 0)), 500);
             }, 50);
           };
           w.postMessage(a.buffer);
         }",
    );
    assert_eq!(out.stdout, "done 0\n", "{}", out.stderr);
    // Give exiting threads a moment to be gone from /proc.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while threads() > before + 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        threads() <= before + 1,
        "{} threads left of 12 blocked workers ({} before)",
        threads(),
        before
    );
}

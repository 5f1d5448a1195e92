//! A worker's thread is joined when it ends, not at the end of the run: a
//! program that starts and ends workers one after another keeps the memory
//! of a few (each thread reserves a 16 MiB stack), however many it starts.
//! (One test in this binary: it measures the process.)

#[cfg(target_os = "linux")]
fn vm_size_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn ended_workers_release_their_threads_during_the_run() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    let start = vm_size_kib();
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(start));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Acquire) {
                peak.fetch_max(vm_size_kib(), Ordering::AcqRel);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let out = msgport_js::run_captured(
        "let n = 0;
         function next() {
           if (n++ === 200) { console.log('done'); return; }
           const w = new Worker('data:text/javascript,postMessage(1)');
           w.onmessage = () => { w.terminate(); next(); };
         }
         next();",
    );
    done.store(true, Ordering::Release);
    sampler.join().unwrap();
    assert_eq!(out.stdout, "done\n", "{}", out.stderr);
    let grew_mib = (peak.load(Ordering::Acquire).saturating_sub(start)) / 1024;
    // 200 threads kept to the end would reserve 3,200 MiB of stacks alone.
    assert!(grew_mib < 800, "the process grew by {grew_mib} MiB");
}

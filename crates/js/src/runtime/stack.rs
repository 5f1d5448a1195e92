//! The JavaScript stack limit of a thread: measured from the thread's real
//! stack, so that deep recursion is a catchable RangeError, never a stack
//! overflow (which aborts the process).

#![forbid(unsafe_code)]

/// How much stack JavaScript may use on this thread. QuickJS counts it
/// from where the runtime is entered and throws a RangeError past it, which
/// must happen before the thread's real stack ends (a stack overflow
/// aborts the process), with room left below for the native frames (Rust
/// and C) that JavaScript calls into and for the handler that catches it.
/// The main context runs on whatever thread the embedder (or `main`)
/// gives it, so the size is measured, not assumed.
pub(super) fn js_stack_size() -> usize {
    const MAX: usize = 8 << 20;
    match stacker::remaining_stack() {
        Some(left) if left > 2 * STACK_RESERVE => (left - STACK_RESERVE).min(MAX),
        Some(left) => left / 2,
        None => STACK_RESERVE,
    }
}

/// Real stack kept below JavaScript's limit (see [`js_stack_size`]).
const STACK_RESERVE: usize = 1 << 20;

/// Of that reserve, what reporting an exception may use: the exception is
/// often a RangeError thrown at the limit (a listener that recursed), and
/// reporting it runs JavaScript (the `error` event and its handlers).
pub(super) const REPORT_HEADROOM: usize = 256 << 10;

thread_local! {
    /// This thread's JavaScript stack size (one runtime per thread).
    pub(super) static JS_STACK: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

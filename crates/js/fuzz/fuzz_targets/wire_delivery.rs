//! Any bytes, posted as a message into a script's port: the JS delivery
//! path (the direct reader, its fallback to the general decoder, the
//! building of engine values) must deliver a message or a messageerror,
//! never crash, leak or hang. Built under AddressSanitizer by
//! scripts/fuzz.sh, QuickJS included.
#![no_main]
use libfuzzer_sys::fuzz_target;
use msgport::MessageChannel;
use msgport_js::{JsRuntime, Output};
use std::cell::RefCell;

thread_local! {
    /// One runtime for the whole run (making one costs more than a message).
    static RT: RefCell<Option<JsRuntime>> = const { RefCell::new(None) };
}

/// What the script does with each message: reads it every way a program
/// might, so that whatever the reader built is used.
const TOUCH: &str = r#"
p.onmessage = (e) => {
  const d = e.data;
  try { String(d); } catch {}
  try { structuredClone(d); } catch {}
  try { if (d && typeof d === "object") for (const k of Object.keys(d).slice(0, 16)) void d[k]; } catch {}
  try { const c = new MessageChannel(); c.port1.postMessage(d); c.port1.close(); c.port2.close(); } catch {}
};
p.onmessageerror = () => {};
"#;

fuzz_target!(|data: &[u8]| {
    RT.with(|rt| {
        let mut rt = rt.borrow_mut();
        let rt = rt.get_or_insert_with(|| {
            let quiet = Output {
                stdout: Box::new(std::io::sink()),
                stderr: Box::new(std::io::sink()),
            };
            JsRuntime::new(quiet).expect("a runtime")
        });
        let (rust_side, js_side) = MessageChannel::new().into_ports();
        rt.add_port("p", js_side).expect("a port");
        let mut bytes = vec![0xFF, 0x0F];
        bytes.extend_from_slice(data);
        rust_side.post_serialized(bytes);
        // Also without the header the fuzzer would have to find.
        rust_side.post_serialized(data.to_vec());
        // Closed here: the script's port ends after both messages.
        drop(rust_side);
        rt.run_script("touch.js", TOUCH);
    });
});

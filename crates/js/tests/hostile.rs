//! Hostile input to the JS runtime: wire bytes that decode but that the
//! engine cannot build, wire bytes that make the direct reader drop an
//! object before a back-reference names it, and scripts that rewrite the
//! built-in prototypes the runtime's own JavaScript uses.

use msgport::{Event, MessageChannel, MessagePort};
use msgport_js::{run_captured, JsRuntime, Output};
use std::time::Duration;

/// Hands `bytes` to a script as one message and returns what it saw: the
/// data as JSON, or "messageerror".
fn delivered(bytes: Vec<u8>) -> String {
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    let rt = JsRuntime::new(Output::std()).unwrap();
    rt.add_port("rust", js_side).unwrap();
    rust_side.post_serialized(bytes);
    let code = rt.run_script(
        "echo.js",
        r#"
        rust.onmessage = (e) => { rust.postMessage(JSON.stringify(e.data)); rust.close(); };
        rust.onmessageerror = () => { rust.postMessage("messageerror"); rust.close(); };
        "#,
    );
    assert_eq!(code, 0, "the run itself must not fail");
    reply(&rust_side)
}

fn reply(port: &MessagePort) -> String {
    match port.recv_blocking_as::<String>(Some(Duration::from_secs(10))) {
        Ok(Event::Message(m)) => m.data,
        other => panic!("no reply: {other:?}"),
    }
}

#[test]
fn a_repeated_key_then_a_back_reference_to_the_replaced_object() {
    // {a: {}, a: 1, b: <the object first under a>}: the repeated key drops
    // the first object from the value while the reader still needs it.
    let bytes = vec![
        0xFF, 0x0F, b'o', 0x22, 0x01, b'a', b'o', b'{', 0x00, 0x22, 0x01, b'a', b'I', 0x02, 0x22,
        0x01, b'b', b'^', 0x01, b'{', 0x03,
    ];
    assert_eq!(delivered(bytes), r#"{"a":1,"b":{}}"#);
}

#[test]
fn a_regexp_the_engine_refuses_is_messageerror() {
    // /(/g: decodes, but no engine can compile it.
    let bytes = vec![0xFF, 0x0F, b'R', 0x22, 0x01, b'(', 0x01];
    assert_eq!(delivered(bytes), "messageerror");
}

#[test]
fn a_bigint_past_the_engine_limit_is_messageerror() {
    // 160,000 bytes of digits: more than QuickJS's 1 Mbit.
    let n = 160_000usize;
    let mut bytes = vec![0xFF, 0x0F, b'Z'];
    let mut bitfield = (n as u64) << 1;
    loop {
        let b = (bitfield & 0x7F) as u8;
        bitfield >>= 7;
        if bitfield == 0 {
            bytes.push(b);
            break;
        }
        bytes.push(b | 0x80);
    }
    bytes.extend(std::iter::repeat_n(0xAB, n));
    assert_eq!(delivered(bytes), "messageerror");
}

#[test]
fn a_resizable_buffer_with_an_impossible_maximum_is_messageerror() {
    // byteLength 1, maxByteLength 2^40.
    let mut bytes = vec![0xFF, 0x0F, b'~', 0x01];
    bytes.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    bytes.push(0x07);
    assert_eq!(delivered(bytes), "messageerror");
}

#[test]
fn later_messages_still_flow_after_one_the_engine_cannot_build() {
    let (rust_side, js_side) = MessageChannel::new().into_ports();
    let rt = JsRuntime::new(Output::std()).unwrap();
    rt.add_port("rust", js_side).unwrap();
    rust_side.post_serialized(vec![0xFF, 0x0F, b'R', 0x22, 0x01, b'(', 0x01]);
    rust_side.post(&"after").unwrap();
    let code = rt.run_script(
        "echo.js",
        r#"
        const seen = [];
        rust.onmessageerror = () => seen.push("messageerror");
        rust.onmessage = (e) => { seen.push(e.data); rust.postMessage(seen.join(",")); rust.close(); };
        "#,
    );
    assert_eq!(code, 0);
    assert_eq!(reply(&rust_side), "messageerror,after");
}

#[test]
fn index_accessors_on_array_prototype_change_nothing_of_messaging() {
    let out = run_captured(
        r#"
        for (let i = 0; i < 4; i++) Object.defineProperty(Array.prototype, i, { get() { return "x"; }, configurable: true });
        const fmt = (v) => Array.isArray(v) ? "A" + v.length + ":" + Object.keys(v).map((k) => fmt(v[k])).join(",")
          : v instanceof Map ? "M" + v.size
          : typeof v === "object" && v ? "O:" + Object.keys(v).map((k) => k + "=" + fmt(v[k])).join(",") : String(v);
        const { port1, port2 } = new MessageChannel();
        const extra = new MessageChannel();
        port2.addEventListener("message", () => {});
        port2.addEventListener("message", (e) => console.log("l2", fmt(e.data), e.ports.length));
        port2.onmessage = (e) => { console.log("l3", fmt(e.data), e.ports.length); if (e.ports.length) port2.close(); };
        port1.postMessage({ a: [1, 2, 3] });
        port1.postMessage([5, 6], [extra.port1, extra.port2]);
        console.log(fmt(structuredClone([1, [2, 3], new Map([[1, 2]])])));
        const t = new EventTarget();
        for (const n of ["x1", "x2", "x3"]) t.addEventListener("x", () => console.log(n));
        t.dispatchEvent(new Event("x"));
        const bc1 = new BroadcastChannel("c"), bc2 = new BroadcastChannel("c");
        bc2.onmessage = (e) => { console.log("bc", fmt(e.data)); bc1.close(); bc2.close(); };
        bc1.postMessage([7, 8]);
        "#,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "A3:1,A2:2,3,M1\nx1\nx2\nx3\nl2 O:a=A3:1,2,3 0\nl3 O:a=A3:1,2,3 0\nbc A2:7,8\nl2 A2:5,6 2\nl3 A2:5,6 2\n"
    );
}

#[test]
fn unbounded_recursion_in_the_main_script_is_a_catchable_range_error() {
    let out = run_captured(
        "try { (function f() { f(); })(); } catch (e) { console.log('caught', e instanceof RangeError); }\n\
         const { port1, port2 } = new MessageChannel();\n\
         port2.onmessage = (e) => { console.log(e.data); port2.close(); };\n\
         port1.postMessage('still running');",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "caught true\nstill running\n");
}

#[test]
fn a_listener_that_recursed_to_the_limit_is_reported_to_the_handler_of_that_moment() {
    let out = run_captured(
        "const t = new EventTarget(); let n = 0;\n\
         t.addEventListener('x', () => { n++; t.dispatchEvent(new Event('x')); });\n\
         let reported = null;\n\
         self.onerror = (m, f, l, c, e) => { reported = e; return true; };\n\
         t.dispatchEvent(new Event('x'));\n\
         self.onerror = null;\n\
         console.log(n > 10, reported instanceof RangeError);\n\
         setTimeout(() => console.log('the loop goes on'), 1);",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "true true\nthe loop goes on\n");
}

#[test]
fn replaced_builtin_methods_change_nothing_of_messaging() {
    // Every method of Array, Map, Set, WeakMap, WeakSet, Object and
    // Function's prototypes replaced, then the array iterator too: the
    // runtime's own bookkeeping uses the originals, captured before.
    let out = run_captured(
        r#"
        const { port1, port2 } = new MessageChannel();
        const extra = new MessageChannel();
        let out = "";
        const log = (s) => { out += s + " "; };
        port2.addEventListener("message", (e) => log("a:" + e.data.n + ":" + e.ports.length));
        port2.onmessage = (e) => { log("b:" + e.data.n); if (e.data.n === 3) { port2.close(); console.log(out); } };
        const boom = function () { throw new Error("sabotaged"); };
        const list = [extra.port1];
        for (const C of [Array, Map, Set, WeakMap, WeakSet, Object, Function]) for (const k of Object.getOwnPropertyNames(C.prototype)) {
          if (k === "constructor" || k === "length" || k === "size" || k === "__proto__") continue;
          try { Object.defineProperty(C.prototype, k, { value: boom, writable: true, configurable: true }); } catch {}
        }
        port1.postMessage({ n: 1 });
        port1.postMessage({ n: 2 }, list);
        Object.defineProperty(Array.prototype, Symbol.iterator, { value: boom, configurable: true });
        port1.postMessage({ n: 3 });
        "#,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "a:1:0 b:1 a:2:1 b:2 a:3:0 b:3 \n");
}

#[test]
fn replaced_weak_map_methods_change_nothing_of_the_platform_objects() {
    // The preludes keep the state of platform objects in slots whose
    // methods are their own, made before any script ran.
    let out = run_captured(
        r#"
        const boom = function () { throw new Error("sabotaged"); };
        for (const k of ["get", "set", "has", "delete"]) WeakMap.prototype[k] = boom;
        (async () => {
          const parts = [];
          const blob = new Blob(["héllo"], { type: "text/plain" });
          parts.push(blob.size, blob.type, await blob.text());
          const h = new Headers({ a: "1" });
          h.append("b", "2");
          parts.push(h.get("a") + h.get("b"));
          const c = new AbortController();
          c.abort("why");
          parts.push(c.signal.aborted, c.signal.reason);
          parts.push(new TextDecoder().decode(new Uint8Array([104, 105])));
          parts.push(new URLSearchParams("x=1&y=2").get("y"));
          const s = new ReadableStream({ start(ctl) { ctl.enqueue("chunk"); ctl.close(); } });
          parts.push((await s.getReader().read()).value);
          parts.push(await new Response("body").text());
          const { port1, port2 } = new MessageChannel();
          port2.onmessage = (e) => { parts.push(e.data); port2.close(); console.log(parts.join(" ")); };
          port1.postMessage("posted");
        })().catch((e) => console.log("failed: " + e));
        "#,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "6 text/plain héllo 12 true why hi 2 chunk body posted\n"
    );
}

#[test]
fn replaced_view_getters_and_call_change_nothing_of_text_decoding() {
    // TextDecoder reads a BufferSource through the built-in getters it
    // captured, called through the captured Reflect.apply.
    let out = run_captured(
        r#"
        const bytes = new Uint8Array([0, 104, 105, 0]), view = new DataView(new Uint8Array([33]).buffer);
        const buffer = new Uint8Array([104]).buffer, shared = new Uint8Array(new SharedArrayBuffer(1));
        const boom = function () { throw new Error("sabotaged"); };
        for (const k of ["call", "apply", "bind"]) Function.prototype[k] = boom;
        for (const k of ["buffer", "byteOffset", "byteLength"]) {
          Object.defineProperty(Object.getPrototypeOf(Uint8Array.prototype), k, { get: boom, configurable: true });
          Object.defineProperty(DataView.prototype, k, { get: boom, configurable: true });
        }
        Object.defineProperty(ArrayBuffer.prototype, "detached", { get: boom, configurable: true });
        const d = new TextDecoder();
        console.log(d.decode(bytes.subarray(1, 3)) + d.decode(view) + d.decode(buffer) + d.decode(shared).length
          + d.decode(new Uint8Array([0xE2, 0x82]), { stream: true }) + d.decode(new Uint8Array([0xAC])));
        "#,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "hi!h1€\n");
}

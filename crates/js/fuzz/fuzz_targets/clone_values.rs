//! JavaScript values built from fuzz input — every kind the structured
//! clone knows and several it refuses, shared references and cycles,
//! getters that post, close, detach and mutate the graph while it is
//! serialized — through `structuredClone`, `postMessage` (ports and
//! BroadcastChannel) and delivery. Any outcome is fine but a crash, a
//! leak or a hang. Built under AddressSanitizer by scripts/fuzz.sh.
#![no_main]
use libfuzzer_sys::fuzz_target;
use msgport_js::{JsRuntime, Output};
use std::cell::RefCell;
use std::fmt::Write;

thread_local! {
    static RT: RefCell<Option<JsRuntime>> = const { RefCell::new(None) };
}

/// Writes a JS expression for a value chosen by the input's bytes.
struct Gen<'a> {
    d: &'a [u8],
    at: usize,
    nodes: usize,
}

impl Gen<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.d.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn number(&mut self) -> String {
        match self.byte() % 8 {
            0 => "0".into(),
            1 => "-0".into(),
            2 => "NaN".into(),
            3 => "Infinity".into(),
            4 => format!("{}", self.byte() as i32 - 128),
            5 => format!("{}", u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])),
            6 => format!("{:e}", f64::from(self.byte()) * 1.5e300),
            _ => "2 ** 31".into(),
        }
    }

    fn string(&mut self) -> String {
        match self.byte() % 6 {
            0 => "''".into(),
            1 => "'abc'".into(),
            2 => "'\\ud800x\\udfff'".into(),
            3 => format!("'k'.repeat({})", self.byte() as u32 * 257),
            4 => "'\\u00e9\\u4e2d\\u{1F600}'".into(),
            _ => format!("'{}'", self.byte() % 10),
        }
    }

    /// A getter's side effect, run while the value is being serialized.
    fn effect(&mut self) -> &'static str {
        match self.byte() % 11 {
            0 => "P.port1.postMessage(N.length)",
            1 => "P.port1.close()",
            2 => "N.length = 0",
            3 => "for (const x of N) if (x instanceof ArrayBuffer) structuredClone(x, { transfer: [x] })",
            4 => "new MessageChannel().port1.postMessage(N)",
            5 => "structuredClone(N)",
            6 => "Object.defineProperty(Array.prototype, 0, { get() { return 1; }, configurable: true })",
            7 => "delete Array.prototype[0]",
            8 => "new BroadcastChannel('f').postMessage(1)",
            9 => "for (const x of N) if (x instanceof SharedArrayBuffer && x.growable) x.grow(x.maxByteLength)",
            _ => "throw new Error('getter')",
        }
    }

    fn value(&mut self, depth: u32) -> String {
        self.nodes += 1;
        let leaf = depth > 5 || self.nodes > 150;
        let pick = self.byte() % if leaf { 6 } else { 24 };
        let n = self.nodes;
        let v = match pick {
            0 => self.number(),
            1 => self.string(),
            2 => ["null", "undefined", "true", "false"][(self.byte() % 4) as usize].into(),
            3 => match self.byte() % 4 {
                0 => "0n".into(),
                1 => "-(2n ** 64n)".into(),
                2 => format!("{}n ** {}n", self.byte(), self.byte()),
                _ => "2n ** 63n".into(),
            },
            4 => format!("N[{}]", self.byte() % 16),
            5 => ["new Date(0)", "new Date(NaN)", "/a(b)?c/gimsuy", "/x/d"][(self.byte() % 4) as usize].into(),
            6 => {
                let k = self.byte() % 5;
                let items: Vec<String> = (0..k).map(|_| self.value(depth + 1)).collect();
                format!("[{}]", items.join(", "))
            }
            7 => {
                let len = self.byte() as u32 * 1000 + 1;
                let v = self.value(depth + 1);
                format!("(() => {{ const a = []; a[{}] = {v}; a.length = {len}; a.extra = 1; return a; }})()", len / 2)
            }
            8 => {
                let k = self.byte() % 5;
                let mut s = String::from("{");
                for i in 0..k {
                    let key = match self.byte() % 4 {
                        0 => format!("k{i}"),
                        1 => format!("{}", self.byte()),
                        2 => "['__proto__']".into(),
                        _ => format!("'{}'", i),
                    };
                    let v = self.value(depth + 1);
                    let _ = write!(s, "{key}: {v}, ");
                }
                s.push('}');
                s
            }
            9 => {
                let (a, b) = (self.value(depth + 1), self.value(depth + 1));
                format!("new Map([[{a}, {b}], [{b}, {a}]])")
            }
            10 => {
                let a = self.value(depth + 1);
                format!("new Set([{a}, 1, {a}])")
            }
            11 => {
                let len = self.byte() as u32 * 16;
                match self.byte() % 8 {
                    6 => format!("new SharedArrayBuffer({len})"),
                    7 => format!(
                        "new Int32Array(new SharedArrayBuffer({}, {{ maxByteLength: {} }}), 4)",
                        len + 8,
                        len * 2 + 8
                    ),
                    0 => format!("new ArrayBuffer({len})"),
                    1 => format!("new ArrayBuffer({len}, {{ maxByteLength: {} }})", len * 2 + 8),
                    2 => format!("new Uint16Array(new ArrayBuffer({}), 2, {})", len + 8, len / 4),
                    3 => format!("new DataView(new ArrayBuffer({}), 1)", len + 2),
                    4 => format!("new Float64Array({})", len / 8),
                    _ => format!("new Uint8Array(new ArrayBuffer(8, {{ maxByteLength: 64 }}))"),
                }
            }
            12 => {
                let kind = ["Error", "TypeError", "RangeError", "SyntaxError", "EvalError", "URIError", "ReferenceError"]
                    [(self.byte() % 7) as usize];
                let cause = self.value(depth + 1);
                format!("new {kind}('m', {{ cause: {cause} }})")
            }
            13 => {
                let e = self.effect();
                let v = self.value(depth + 1);
                format!("{{ get g() {{ {e}; return {v}; }} }}")
            }
            14 => "new Proxy({}, {})".into(),
            15 => "(() => 1)".into(),
            16 => "Symbol('s')".into(),
            17 => ["new Number(1)", "new String('s')", "new Boolean(false)", "Object(1n)"][(self.byte() % 4) as usize].into(),
            18 => "(() => { const b = new ArrayBuffer(8); structuredClone(b, { transfer: [b] }); return b; })()".into(),
            19 => ["new Blob(['ab'])", "new File(['x'], 'f.txt')", "new DOMException('m', 'DataCloneError')"]
                [(self.byte() % 3) as usize]
                .into(),
            20 => "new MessageChannel().port1".into(),
            21 => "new WeakMap()".into(),
            22 => {
                let v = self.value(depth + 1);
                format!("Object.assign(Object.create(null), {{ v: {v} }})")
            }
            _ => {
                let v = self.value(depth + 1);
                format!("Object.freeze([{v}])")
            }
        };
        // Every node is kept, for references and cycles.
        format!("(N[{n}] = {v})")
    }
}

fuzz_target!(|data: &[u8]| {
    let mut g = Gen { d: data, at: 0, nodes: 0 };
    let root = g.value(0);
    let mut cycles = String::new();
    for _ in 0..(g.byte() % 4) {
        let (a, b) = (g.byte() % 32, g.byte() % 32);
        let _ = write!(cycles, "try {{ if (N[{a}] && typeof N[{a}] === 'object') N[{a}].c = N[{b}]; }} catch {{}}\n");
    }
    let transfer = g.byte() % 3;
    let source = format!(
        r#"
        (() => {{
        const N = [], P = new MessageChannel();
        P.port2.onmessage = (e) => {{ try {{ String(e.data); structuredClone(e.data); }} catch {{}} }};
        P.port2.onmessageerror = () => {{}};
        let G;
        try {{ G = {root}; }} catch {{}}
        {cycles}
        const list = {transfer} === 0 ? [] : N.filter((x) => x instanceof ArrayBuffer || x instanceof SharedArrayBuffer || x instanceof MessagePort).slice(0, {transfer});
        try {{ structuredClone(G); }} catch {{}}
        try {{ structuredClone(G, {{ transfer: list }}); }} catch {{}}
        try {{ P.port1.postMessage(G); }} catch {{}}
        try {{ P.port1.postMessage(G, list); }} catch {{}}
        try {{ const b = new BroadcastChannel('f'); b.postMessage(G); b.close(); }} catch {{}}
        P.port1.close();
        }})();
        "#
    );
    if std::env::var_os("MSGPORT_FUZZ_SHOW").is_some() {
        eprintln!("{source}");
    }
    RT.with(|rt| {
        let mut rt = rt.borrow_mut();
        let rt = rt.get_or_insert_with(|| {
            let show = std::env::var_os("MSGPORT_FUZZ_SHOW").is_some();
            let sink = || -> Box<dyn std::io::Write + Send> {
                if show { Box::new(std::io::stderr()) } else { Box::new(std::io::sink()) }
            };
            let quiet = Output { stdout: sink(), stderr: sink() };
            JsRuntime::new(quiet).expect("a runtime")
        });
        rt.run_script("values.js", &source);
    });
});

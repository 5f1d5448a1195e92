//! A Node.js process speaking the oracle protocol of `tests/node/oracle.js`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

#[allow(dead_code)] // each test binary uses a subset
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[allow(dead_code)]
impl Oracle {
    pub fn start() -> Oracle {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node/oracle.js");
        let mut child = Command::new("node")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node must be installed for the differential suite (.ci/run installs it)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Oracle {
            child,
            stdin,
            stdout,
        }
    }

    pub fn call(&mut self, req: serde_json::Value) -> serde_json::Value {
        writeln!(self.stdin, "{req}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    }

    /// Node's bytes for a JS expression.
    pub fn eval(&mut self, expr: &str) -> Vec<u8> {
        let r = self.call(serde_json::json!({"op": "eval", "expr": expr}));
        match r.get("hex") {
            Some(h) => unhex(h.as_str().unwrap()),
            None => panic!("node could not serialize {expr}: {r}"),
        }
    }

    /// Whether Node decodes `bytes` to a value deep-equal to `expr`.
    pub fn check(&mut self, expr: &str, bytes: &[u8]) -> Result<(), String> {
        let r = self.call(serde_json::json!({"op": "check", "expr": expr, "hex": hex(bytes)}));
        if r["equal"] == serde_json::Value::Bool(true) {
            Ok(())
        } else {
            Err(r.to_string())
        }
    }

    /// Node decodes `bytes` and encodes the value again.
    pub fn roundtrip(&mut self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let r = self.call(serde_json::json!({"op": "roundtrip", "hex": hex(bytes)}));
        match r.get("hex") {
            Some(h) => Ok(unhex(h.as_str().unwrap())),
            None => Err(r.to_string()),
        }
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

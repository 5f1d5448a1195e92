//! `msgport run <file>`: runs a classic script and its event loop; the exit
//! code is 0, or 1 after an uncaught exception (or a file that cannot be read).
#![forbid(unsafe_code)]

mod isolate;
mod test_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "msgport",
    version,
    about = "JavaScript with the web's Channel Messaging API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a script: a classic script, or an ES module (`.mjs` or `--module`).
    Run {
        /// Treat the file as an ES module whatever its extension.
        #[arg(long)]
        module: bool,
        /// Let scripts load code (modules, `importScripts`, workers) only
        /// from files inside these directories (repeat the flag, or
        /// separate them with commas). Without it, from anywhere.
        #[arg(long = "allow-read", value_name = "DIR", value_delimiter = ',')]
        allow_read: Vec<PathBuf>,
        /// An import map (the WHATWG JSON format) for the run's modules.
        #[arg(long = "import-map", value_name = "FILE")]
        import_map: Option<PathBuf>,
        /// The script.
        file: PathBuf,
        /// Arguments for the script, as `msgport.args` (everything after
        /// the file, flags included).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run testharness.js tests: files or directories of `.any.js`,
    /// `.window.js`, `.worker.js` and `.html` tests.
    Test {
        /// Test files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Where absolute paths such as `/common/sab.js` resolve
        /// (default: the test's own tree).
        #[arg(long)]
        wpt_root: Option<PathBuf>,
        /// testharness.js to use (default: the pinned copy `scripts/setup.sh` installs).
        #[arg(long)]
        harness: Option<PathBuf>,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
        /// Known failures: lines of `path-suffix | subtest (or *) | reason`.
        #[arg(long)]
        expectations: Option<PathBuf>,
        /// Seconds a file may run (`// META: timeout=long` gives six times as much).
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
        /// Run every file in this process instead of one process per file.
        #[arg(long, hide = true)]
        in_process: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            module,
            allow_read,
            import_map,
            file,
            args,
        } => {
            let rt = match msgport_js::JsRuntime::new(msgport_js::Output::std()) {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("msgport: cannot start the JavaScript runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            if !allow_read.is_empty() {
                if let Err(e) = rt.allow_read(&allow_read) {
                    eprintln!("msgport: --allow-read {e}");
                    return ExitCode::from(1);
                }
            }
            if let Some(map) = &import_map {
                if let Err(e) = rt.set_import_map(map) {
                    eprintln!("msgport: --import-map {e}");
                    return ExitCode::from(1);
                }
            }
            rt.set_args(&args);
            let code = rt.run_file(&file, module);
            ExitCode::from(code as u8)
        }
        Command::Test {
            paths,
            wpt_root,
            harness,
            json,
            expectations,
            timeout,
            in_process,
        } => {
            let code = test_cmd::run(test_cmd::TestOptions {
                paths,
                wpt_root,
                harness,
                json,
                expectations,
                timeout: std::time::Duration::from_secs_f64(timeout.max(0.001)),
                in_process,
            });
            ExitCode::from(code as u8)
        }
    }
}

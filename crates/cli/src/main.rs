//! `msgport run <file>`: runs a classic script and its event loop; the exit
//! code is 0, or 1 after an uncaught exception (or a file that cannot be read).

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
        /// The script.
        file: PathBuf,
        /// Arguments for the script (not exposed to it yet).
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            module,
            file,
            args: _,
        } => {
            let rt = match msgport_js::JsRuntime::new(msgport_js::Output::std()) {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("msgport: cannot start the JavaScript runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            let code = rt.run_file(&file, module);
            ExitCode::from(code as u8)
        }
    }
}

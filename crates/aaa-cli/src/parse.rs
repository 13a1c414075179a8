//! `aaa parse`: scan webhook bodies and print one JSON line per event.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use crate::failure::Failure;
use crate::input;

/// Arguments of `aaa parse`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Webhook bodies to read, one body per file; `-` reads standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    files: Vec<String>,
}

/// Exit 0 when every event decoded, 2 when an envelope was valid but some event did not
/// decode, 1 when some input was not valid JSON or not an envelope (files are all processed).
pub(crate) fn run(args: &Args) -> Result<ExitCode, Failure> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut worst = 0u8;
    for path in &args.files {
        let body = match input::read(path) {
            Ok(b) => b,
            Err(failure) => {
                out.flush()?;
                eprintln!("aaa: {failure}");
                worst = 1;
                continue;
            }
        };
        let env = match aaa_parser::scan(&body) {
            Ok(env) => env,
            Err(e) => {
                out.flush()?;
                let what = if e.kind().is_syntax() {
                    "invalid json"
                } else {
                    "not an envelope"
                };
                eprintln!("aaa: {path}: {what}: {e}");
                worst = 1;
                continue;
            }
        };
        for event in &env {
            let mut line = String::with_capacity(128);
            line.push_str("{\"kind\":");
            push_json_str(&mut line, &event.kind().to_string());
            line.push_str(",\"for_user_id\":");
            match event.for_user_id() {
                Some(u) => push_json_str(&mut line, u),
                None => line.push_str("null"),
            }
            line.push_str(",\"key\":");
            push_json_str(&mut line, &event.key().to_string());
            match event.decode() {
                Ok(_) => line.push_str(",\"typed\":true}"),
                Err(e) => {
                    line.push_str(",\"typed\":false,\"error\":");
                    push_json_str(&mut line, &e.to_string());
                    line.push('}');
                    if worst == 0 {
                        worst = 2;
                    }
                }
            }
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(worst))
}

fn push_json_str(out: &mut String, s: &str) {
    // serde_json writes a correctly escaped JSON string; it cannot fail for a &str.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

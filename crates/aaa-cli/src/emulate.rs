//! `aaa emulate`: run the X-side emulator on a local address.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use aaa_emulator::{Emulator, Options, State};

use crate::Failure;

/// Arguments of `aaa emulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A TOML file with the apps and users to start with; without it, one app and two users
    /// with random credentials are generated.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Apply X's webhook URL rules (https, no port, a public host).
    #[arg(long)]
    strict_urls: bool,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Failure> {
    let mut state = match &args.state {
        Some(path) => State::from_toml_file(path)?,
        None => State::generate(1)?,
    };
    let options = Options {
        strict_urls: args.strict_urls,
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listen = args.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Failure(format!("cannot listen on {listen}: {e}")))?;
        let local = listener.local_addr()?;
        let base_url = format!("http://{local}");
        state.set_base_url(base_url.clone());
        let shutdown = crate::serve::shutdown_signal();
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", state.summary_json())
                .and_then(|()| out.flush())
                .map_err(|e| Failure(format!("cannot write the summary: {e}")))?;
        }
        tracing::info!(%base_url, "emulator listening");
        let emulator = Emulator::new(state, options);
        aaa_emulator::serve(listener, emulator, shutdown).await?;
        tracing::info!("emulator stopped");
        Ok(ExitCode::SUCCESS)
    })
}

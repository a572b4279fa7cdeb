//! `vsm pull`: write a value stream's map from a `vsm serve` server, byte for byte.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::output;
use crate::remote::Server;

/// Write a value stream's map from a vsm server, byte for byte as it was pushed.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The value stream's id on the server.
    stream: String,
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "VSM_SERVER")]
    server: String,
    /// An API token (make one on the server's Tokens page).
    #[arg(long, env = "VSM_TOKEN", hide_env_values = true)]
    token: String,
    /// Which version (default: the latest).
    #[arg(long)]
    version: Option<u64>,
    /// Where to write it (default: STREAM.yaml; `-` for standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
    let server = Server::new(&args.server, &args.token)?;
    let mut path = format!("/api/streams/{}/map", args.stream);
    if let Some(version) = args.version {
        path.push_str(&format!("?version={version}"));
    }
    let answer = server.get(&path)?;
    if answer.status != 200 {
        return Err(server.refusal(&path, &answer));
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.yaml", args.stream)));
    let version = answer.version.as_deref().unwrap_or("?");
    if output.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        // The map's own bytes, unless a terminal would obey its control characters.
        let text = if stdout.is_terminal() {
            crate::diagnostics::visible(&answer.body)
        } else {
            answer.body.as_str().into()
        };
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .context("cannot write to standard output")?;
        return Ok(());
    }
    std::fs::write(&output, answer.body.as_bytes())
        .with_context(|| format!("cannot write `{}`", output.display()))?;
    output::note(&format!(
        "wrote version {version} of `{}` to {}",
        args.stream,
        output.display()
    ));
    Ok(())
}

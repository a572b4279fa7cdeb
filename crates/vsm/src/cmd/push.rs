//! `vsm push`: save a map on a `vsm serve` server as the next version of its value stream.

use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow};
use serde_json::json;

use crate::output::{self, Reported};
use crate::remote::Server;

/// Save a map on a vsm server as the next version of its value stream (created on first push).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML); sent as it is, byte for byte.
    file: PathBuf,
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "VSM_SERVER")]
    server: String,
    /// An API token (make one on the server's Tokens page).
    #[arg(long, env = "VSM_TOKEN", hide_env_values = true)]
    token: String,
    /// The value stream's id on the server (default: the file's name without `.yaml`).
    #[arg(long)]
    stream: Option<String>,
    /// What changed, kept with the version.
    #[arg(long, short, default_value = "")]
    message: String,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    // The server checks the map too; checking here first shows its problems as `vsm validate`
    // does, with the lines they are on.
    let parsed = vsm_app::load::parse(&files, &args.file)?;
    output::problems(&parsed.files);
    if parsed.stream.is_none() {
        return Err(Reported.into());
    }
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read `{}`", args.file.display()))?;
    let text = vsm_app::files::map_text(bytes)
        .map_err(|problem| anyhow!("`{}` {problem}", args.file.display()))?;
    let stream = match &args.stream {
        Some(stream) => stream.clone(),
        None => args
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .ok_or_else(|| anyhow!("name the value stream with --stream ID"))?,
    };
    let server = Server::new(&args.server, &args.token)?;
    let path = format!("/api/streams/{stream}/versions");
    let mut answer = server.post(&path, &json!({"yaml": text, "message": args.message}))?;
    let mut asked = path;
    if answer.status == 404 {
        asked = "/api/streams".to_string();
        answer = server.post(
            &asked,
            &json!({"id": stream, "yaml": text, "message": args.message}),
        )?;
    }
    if answer.status == 404 {
        // Neither saved (no such stream the token may see) nor created (the id is taken):
        // whether by a stream this token may not see is not told.
        return Err(anyhow!(
            "there is no value stream `{stream}` on {} that you can write to, and `{stream}` cannot name a new one; push it under another id with --stream ID, or ask a server admin for a role on it",
            args.server
        ));
    }
    if !matches!(answer.status, 200 | 201) {
        return Err(server.refusal(&asked, &answer));
    }
    let saved: serde_json::Value = serde_json::from_str(&answer.body)
        .with_context(|| format!("the server's answer to {asked} is not the JSON expected"))?;
    let number = &saved["version"]["number"];
    if saved["unchanged"] == true {
        output::note(&format!(
            "`{stream}` on {} is this map already (version {number}); nothing saved",
            args.server
        ));
    } else {
        output::note(&format!(
            "saved `{}` as version {number} of `{stream}` on {}",
            args.file.display(),
            args.server
        ));
    }
    Ok(())
}

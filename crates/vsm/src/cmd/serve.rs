//! `vsm serve`: the team server (see the `vsm-server` crate), or, with `--create-admin`,
//! `--create-token` or `--reset-password`, what an operator does to its database from the
//! command line, with no one signed in.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};
use vsm_server::hooks::key::{ServerKey, default_key_file};
use vsm_server::{Location, Settings};

/// Serve value streams to a team: maps and their versions, analyses, a JSON API and pages.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to keep everything: an SQLite file (the default, `.vsm/server.sqlite`) or a
    /// PostgreSQL URL (`postgres://USER:PASSWORD@HOST/DATABASE`).
    #[arg(long, env = "VSM_DB", hide_env_values = true)]
    db: Option<String>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Add a server admin with a new password (printed once), then stop.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["create_token", "reset_password"])]
    create_admin: Option<String>,
    /// Give a user a new password (printed once) and clear their failed sign-ins, then stop:
    /// for someone who forgot theirs, or is held back by too many failures.
    #[arg(long, value_name = "NAME", conflicts_with = "create_token")]
    reset_password: Option<String>,
    /// Make an API token for a user (printed once), then stop.
    #[arg(long, value_name = "USER")]
    create_token: Option<String>,
    /// What the token made by --create-token is for.
    #[arg(long, default_value = "command line", requires = "create_token")]
    token_name: String,
    /// Mark cookies Secure: the server is reached over HTTPS (through a proxy).
    #[arg(long)]
    secure_cookies: bool,
    /// The largest request body, in bytes (a map upload).
    #[arg(long, default_value_t = 4 << 20)]
    max_body: usize,
    /// Answer 408 to a request that takes longer, in seconds.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// The server key (at least 32 characters) that GitHub webhook secrets are derived from;
    /// replicas must share it. Or the key itself in VSM_SECRET_KEY. Without either, the server
    /// makes `server.key` beside its SQLite file (`.vsm/server.key` in the working directory on
    /// PostgreSQL), readable by its owner only, and uses it from then on.
    #[arg(long, value_name = "PATH")]
    secret_key_file: Option<PathBuf>,
    /// How often to look for pull sources that are due, in seconds (each source has its own
    /// interval; this is how late a due one may start); 0: this process runs no pulls.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pull_check: u64,
}

/// The environment variable that may hold the server key itself.
const KEY_VARIABLE: &str = "VSM_SECRET_KEY";

/// The server key: from `--secret-key-file`, `VSM_SECRET_KEY`, or the key file beside the
/// database (made the first time, see [`default_key_file`]). Never printed.
fn server_key(file: Option<&Path>, location: &Location) -> Result<ServerKey> {
    let variable = std::env::var(KEY_VARIABLE).ok().filter(|v| !v.is_empty());
    match (file, variable) {
        (Some(_), Some(_)) => anyhow::bail!(
            "the server key is given twice, by --secret-key-file and by {KEY_VARIABLE}; give one of them"
        ),
        (Some(path), None) => Ok(ServerKey::read(path)?),
        (None, Some(text)) => Ok(ServerKey::from_text(&text, KEY_VARIABLE)?),
        (None, None) => {
            let path = default_key_file(location);
            let (key, made) = ServerKey::read_or_create(&path)?;
            let done = if made { "made" } else { "using" };
            let shown = std::path::absolute(&path).unwrap_or(path);
            tracing::info!(
                "{done} the server key {}: GitHub webhook secrets derive from it, so replicas must share it (--secret-key-file PATH or {KEY_VARIABLE}) and a new key needs new sources",
                shown.display()
            );
            Ok(key)
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    let location = Location::parse(
        args.db
            .as_deref()
            .unwrap_or(vsm_server::store::DEFAULT_SQLITE),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    let served = runtime.block_on(async {
        let store = vsm_server::store::open(&location).await?;
        if let Some(name) = &args.create_admin {
            let password = vsm_server::accounts::create_admin(store.as_ref(), name).await?;
            eprintln!(
                "added the server admin `{name}` in {location}; their password (shown this once; `--reset-password {name}` makes a new one):"
            );
            println!("{password}");
            return Ok(());
        }
        if let Some(name) = &args.reset_password {
            let password = vsm_server::accounts::reset_password(store.as_ref(), name).await?;
            eprintln!(
                "gave `{name}` a new password in {location} and cleared their failed sign-ins; the password (shown this once):"
            );
            println!("{password}");
            return Ok(());
        }
        if let Some(user) = &args.create_token {
            let token =
                vsm_server::accounts::create_token(store.as_ref(), user, &args.token_name).await?;
            eprintln!("made an API token for `{user}` (shown this once; the server keeps its hash):");
            println!("{token}");
            return Ok(());
        }
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .init();
        let settings = Settings {
            max_body: args.max_body,
            request_timeout: Duration::from_secs(args.timeout),
            secure_cookies: args.secure_cookies,
            pull_check: (args.pull_check > 0).then(|| Duration::from_secs(args.pull_check)),
            ..Settings::default()
        };
        let key = server_key(args.secret_key_file.as_deref(), &location)?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        tracing::info!(database = %location, "vsm serve: listening on http://{address}");
        let app = vsm_server::App::new(store, settings).with_key(key);
        vsm_server::serve(listener, app, vsm_server::shutdown_signal())
            .await
            .context("the server stopped")?;
        tracing::info!("vsm serve: stopped");
        Ok(())
    });
    // A pull cut short by the stop may still be reading on a blocking thread (waiting out a
    // rate limit, up to an hour): it has nothing left to store, so it is not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    served
}

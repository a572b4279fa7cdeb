//! `vsm init`: a starter map file to edit, and its JSON Schema.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use crate::{invocation, output, templates};

/// Write a starter map file to edit (and its JSON Schema, for editor completion).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the map.
    #[arg(default_value = "vsm.yaml")]
    path: PathBuf,
    /// Start from a realistic example instead of the commented starter.
    #[arg(long, short, value_name = "NAME", value_parser = templates::names())]
    template: Option<String>,
    /// List the templates and exit.
    #[arg(long, conflicts_with = "template")]
    list: bool,
    /// Overwrite the map file if it exists.
    #[arg(long)]
    force: bool,
    /// Do not write `vsm-map.schema.json` next to the map.
    #[arg(long)]
    no_schema: bool,
}

pub fn run(args: &Args) -> Result<()> {
    if args.list {
        for template in templates::TEMPLATES {
            println!("{:<18} {}", template.name, template.summary);
        }
        return Ok(());
    }
    init(
        &args.path,
        args.template.as_deref(),
        args.force,
        !args.no_schema,
    )
}

fn init(path: &Path, template: Option<&str>, force: bool, with_schema: bool) -> Result<()> {
    if path.is_dir() {
        bail!(
            "`{}` is a directory; give the map file to write, e.g. `vsm init {}`",
            path.display(),
            path.join("vsm.yaml").display()
        );
    }
    if path.exists() && !force {
        bail!(
            "`{}` already exists; pass --force to overwrite it, or give another file name",
            path.display()
        );
    }
    let source = templates::render(template);
    std::fs::write(path, &source).with_context(|| format!("cannot write `{}`", path.display()))?;
    println!("wrote {}", path.display());
    if with_schema && let Some(schema_path) = output::write_schema_beside(path)? {
        println!(
            "wrote {} (editors use it for completion and checking)",
            schema_path.display()
        );
    }
    let vsm = invocation::command();
    println!(
        "next: edit it, then run `{vsm} validate {0}` and `{vsm} analyze {0}`{1}",
        path.display(),
        invocation::install_note(&vsm)
    );
    Ok(())
}

//! How to run vsm again, for the hints that suggest a next command: `vsm` only works once it is
//! on the PATH, and a newcomer's first run is often `cargo run -- demo`.

use std::path::Path;

/// The command to write in a hint: `cargo run --` when cargo started us, `vsm` when it is on the
/// PATH, otherwise the path we were started by (`./target/debug/vsm`).
pub fn command() -> String {
    let path = std::env::var_os("PATH");
    command_from(
        std::env::var_os("CARGO").is_some() && std::env::var_os("CARGO_PKG_NAME").is_some(),
        path.as_deref().map(Path::new),
        std::env::args_os().next().as_deref().map(Path::new),
    )
}

fn command_from(under_cargo: bool, path: Option<&Path>, started_as: Option<&Path>) -> String {
    if under_cargo {
        return "cargo run --".to_string();
    }
    let on_path = path.is_some_and(|path| {
        std::env::split_paths(path.as_os_str()).any(|dir| dir.join("vsm").is_file())
    });
    match started_as {
        Some(started) if !on_path && started.components().count() > 1 => {
            started.display().to_string()
        }
        _ => "vsm".to_string(),
    }
}

/// After a hint that runs vsm under cargo or by its path: how to put `vsm` on the PATH.
pub fn install_note(command: &str) -> &'static str {
    if command == "vsm" {
        ""
    } else {
        " (or put `vsm` on your PATH first: `cargo install --path crates/vsm`)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_a_command_that_runs() {
        let empty = tempfile::tempdir().unwrap();
        let with_vsm = tempfile::tempdir().unwrap();
        std::fs::write(with_vsm.path().join("vsm"), "").unwrap();
        let built = Path::new("./target/debug/vsm");
        assert_eq!(
            command_from(true, Some(with_vsm.path()), Some(built)),
            "cargo run --"
        );
        assert_eq!(
            command_from(false, Some(empty.path()), Some(built)),
            "./target/debug/vsm"
        );
        assert_eq!(
            command_from(false, Some(with_vsm.path()), Some(built)),
            "vsm"
        );
        assert_eq!(
            command_from(false, Some(empty.path()), Some(Path::new("vsm"))),
            "vsm"
        );
        assert_eq!(install_note("vsm"), "");
        assert!(install_note("cargo run --").contains("cargo install --path crates/vsm"));
    }
}

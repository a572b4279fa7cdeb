//! Paths as a report shows them: relative to the map file that names them, without `..` detours,
//! so a page shared with others does not disclose where files lie on the machine that made it.

use std::path::{Component, Path, PathBuf};

/// `path` with `.` dropped and each `..` taking away the component before it, without asking
/// the file system (the result names the same file unless a symbolic link sits before a `..`;
/// only for showing).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                match last {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir | Component::Prefix(_)) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` as seen from the folder of `map`: `../csv/log.csv` for a log beside the map's folder,
/// `log.csv` for one in it.
pub fn relative_to_map(map: &Path, path: &Path) -> PathBuf {
    let absolute =
        |p: &Path| normalize(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
    let folder = map.parent().filter(|p| !p.as_os_str().is_empty());
    let base = absolute(folder.unwrap_or(Path::new(".")));
    let target = absolute(path);
    let base: Vec<Component> = base.components().collect();
    let target: Vec<Component> = target.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for component in &target[common..] {
        out.push(component);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_from_the_maps_folder_without_detours() {
        assert_eq!(
            normalize(Path::new("testdata/measure/../csv/./log.csv")),
            Path::new("testdata/csv/log.csv")
        );
        assert_eq!(normalize(Path::new("../a/../../b")), Path::new("../../b"));
        assert_eq!(normalize(Path::new("/../etc")), Path::new("/etc"));
        assert_eq!(
            relative_to_map(
                Path::new("testdata/measure/orders.yaml"),
                Path::new("testdata/measure/../csv/log.csv")
            ),
            Path::new("../csv/log.csv")
        );
        assert_eq!(
            relative_to_map(
                Path::new("/home/ci/repo/vsm.yaml"),
                Path::new("/home/ci/repo/logs/jan.csv")
            ),
            Path::new("logs/jan.csv")
        );
        assert_eq!(
            relative_to_map(Path::new("vsm.yaml"), Path::new("log.csv")),
            Path::new("log.csv")
        );
    }
}

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

/// `path` without `..` detours where that names the same file: when every folder a `..` leaves
/// is a real folder (not a symbolic link, which `..` would leave for its target's parent), else
/// `path` as it is. For paths that are both opened and shown, so that messages name
/// `testdata/csv/log.csv`, not `testdata/measure/../csv/log.csv`.
pub fn without_detours(path: &Path) -> PathBuf {
    let mut walked = PathBuf::new();
    for component in path.components() {
        if component == Component::ParentDir
            && walked.file_name().is_some()
            && !std::fs::symlink_metadata(&walked).is_ok_and(|m| m.is_dir())
        {
            return path.to_path_buf();
        }
        walked.push(component);
    }
    normalize(path)
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
    fn a_detour_is_left_out_only_where_it_names_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("maps")).unwrap();
        std::fs::create_dir_all(root.join("elsewhere/deep")).unwrap();
        let through = |p: &str| without_detours(&root.join(p));
        assert_eq!(through("maps/../csv/log.csv"), root.join("csv/log.csv"));
        // A folder that is not there: `maps2/..` fails to open, so it stays.
        assert_eq!(
            through("maps2/../csv/log.csv"),
            root.join("maps2/../csv/log.csv")
        );
        // A link: `link/..` is `elsewhere`, not the folder the link is in.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("elsewhere/deep"), root.join("link")).unwrap();
            assert_eq!(through("link/../log.csv"), root.join("link/../log.csv"));
        }
    }

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

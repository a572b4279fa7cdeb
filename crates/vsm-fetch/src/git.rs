//! A local git repository, read through gitoxide: its commits, its version tags as releases,
//! which release first shipped each commit, and (from a file) its deployments.
//!
//! Ids: a commit is `git:<full hash>` (the same whichever source names it); a release is
//! `git:<repository>/tag/<name>`, where the repository is named by its `origin` remote (see
//! [`repository_name`]) or, without one, by its folder (or as `--name` says); events are
//! their object's id and what happened (`/authored`, `/committed`, `/created`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::objs::{CommitRef, Kind, TagRef};
use gix::prelude::Find as _;
use vsm_events::{Batch, Event, EventType, Object, ObjectType, Owned, Relation, Value};

use crate::deployments;
use crate::pattern::TagPattern;

/// How many commits go in one batch (one transaction of the store).
pub const COMMITS_PER_BATCH: usize = 5_000;

/// What can go wrong reading a repository.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "`{path}` is not a git repository ({detail}); give the folder of a clone (the one with `.git` in it)"
    )]
    NotARepository { path: String, detail: String },
    #[error("cannot read the repository `{path}`: {detail}")]
    Read { path: String, detail: String },
    #[error(transparent)]
    Pattern(#[from] crate::pattern::PatternError),
    #[error(transparent)]
    Deployments(#[from] deployments::DeploymentsError),
}

/// A commit as the walk reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    pub id: ObjectId,
    pub parents: Vec<ObjectId>,
    pub author: String,
    pub authored: jiff::Timestamp,
    pub committer: String,
    pub committed: jiff::Timestamp,
    /// The first line of the message.
    pub title: String,
}

/// A tag that points at a commit.
#[derive(Clone, Debug, PartialEq)]
pub struct Tag {
    pub name: String,
    pub commit: ObjectId,
    /// The tagger's time for an annotated tag, else the commit's committer time.
    pub time: jiff::Timestamp,
    /// The tagger of an annotated tag.
    pub tagger: Option<String>,
}

/// Everything reachable from the repository's references (as `git log --all` sees it).
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The repository's name: its `origin` remote's ([`repository_name`]), else its folder's.
    pub name: String,
    /// Each commit once, in walk order.
    pub commits: Vec<Commit>,
    /// Every tag that points (perhaps through annotated tags) at a commit, by name.
    pub tags: Vec<Tag>,
}

/// Walks every commit reachable from the references and HEAD, reading each commit once, and
/// lists the tags.
pub fn walk(path: &Path) -> Result<History, GitError> {
    let shown = path.display().to_string();
    let repo = gix::discover(path).map_err(|e| GitError::NotARepository {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    let read = |detail: String| GitError::Read {
        path: shown.clone(),
        detail,
    };
    let mut buf = Vec::new();
    let mut tips = Vec::new();
    let mut tagged = Vec::new();
    let references = repo.references().map_err(|e| read(e.to_string()))?;
    for reference in references.all().map_err(|e| read(e.to_string()))? {
        let reference = reference.map_err(|e| read(e.to_string()))?;
        let Some(target) = reference.target().try_id().map(ToOwned::to_owned) else {
            continue;
        };
        let Some((commit, tagger)) = peel(&repo, target, &mut buf).map_err(read)? else {
            continue;
        };
        tips.push(commit);
        if let Some(name) = reference.name().as_bstr().strip_prefix(b"refs/tags/") {
            tagged.push((String::from_utf8_lossy(name).into_owned(), commit, tagger));
        }
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    let mut index: HashMap<ObjectId, usize> = HashMap::new();
    let mut commits = Vec::new();
    let mut stack = tips;
    while let Some(id) = stack.pop() {
        if index.contains_key(&id) {
            continue;
        }
        // A parent missing from a shallow clone ends its line.
        let Some(commit) = read_commit(&repo, id, &mut buf).map_err(read)? else {
            continue;
        };
        stack.extend(commit.parents.iter().rev().copied());
        index.insert(id, commits.len());
        commits.push(commit);
    }
    let mut tags: Vec<Tag> = tagged
        .into_iter()
        .filter_map(|(name, commit, tagger)| {
            let committed = commits[*index.get(&commit)?].committed;
            let (tagger, time) = match tagger {
                Some((tagger, time)) => (Some(tagger), time),
                None => (None, committed),
            };
            Some(Tag {
                name,
                commit,
                time,
                tagger,
            })
        })
        .collect();
    tags.sort_by(|a, b| a.name.cmp(&b.name));
    let folder = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let origin = repo
        .try_find_remote("origin")
        .and_then(Result::ok)
        .and_then(|remote| {
            let url = remote.url(gix::remote::Direction::Fetch)?;
            repository_name(
                url.scheme == gix::url::Scheme::File,
                &String::from_utf8_lossy(url.path.as_ref()),
            )
        });
    let name = origin
        .or_else(|| {
            std::path::absolute(folder)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "repository".into());
    Ok(History {
        name,
        commits,
        tags,
    })
}

/// The name of the repository an `origin` URL's path gives, so that every clone of one
/// repository names its releases alike: for a hosted remote its path without `.git`, in lower
/// case (`git@github.com:Panjf2000/ants.git` and `https://github.com/panjf2000/ants` are both
/// `panjf2000/ants`: GitHub and GitLab names are case-insensitive); for a local one (a bundle,
/// a folder) its file name without extension (`ants.bundle` is `ants`). None for an empty path.
pub fn repository_name(local: bool, path: &str) -> Option<String> {
    let path = path.trim_matches('/');
    let name = if local {
        let file = path.rsplit('/').next()?;
        match file.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => stem.to_string(),
            _ => file.to_string(),
        }
    } else {
        path.strip_suffix(".git")
            .unwrap_or(path)
            .to_ascii_lowercase()
    };
    (!name.is_empty()).then_some(name)
}

/// A commit a reference leads to, with the tagger and time of the annotated tag on the way.
type Peeled = (ObjectId, Option<(String, jiff::Timestamp)>);

/// The commit an object leads to (through annotated tags), with the first tag's tagger and
/// time; `None` for a tree or a blob.
fn peel(
    repo: &gix::Repository,
    mut id: ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Option<Peeled>, String> {
    let mut tagger = None;
    loop {
        let Some(data) = repo.objects.try_find(&id, buf).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        match data.kind {
            Kind::Commit => return Ok(Some((id, tagger))),
            Kind::Tag => {
                let tag = TagRef::from_bytes(data.data, repo.object_hash())
                    .map_err(|e| format!("tag {id}: {e}"))?;
                if tagger.is_none()
                    && let Some(signature) = tag.tagger().map_err(|e| format!("tag {id}: {e}"))?
                {
                    tagger = Some((name(signature.name), time(&signature, id)?));
                }
                id = ObjectId::from_hex(tag.target).map_err(|e| format!("tag {id}: {e}"))?;
            }
            _ => return Ok(None),
        }
    }
}

fn read_commit(
    repo: &gix::Repository,
    id: ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Option<Commit>, String> {
    let Some(data) = repo
        .objects
        .try_find(&id, buf)
        .map_err(|e| format!("commit {id}: {e}"))?
    else {
        return Ok(None);
    };
    if data.kind != Kind::Commit {
        return Err(format!("{id} is a {}, not a commit", data.kind));
    }
    let commit = CommitRef::from_bytes(data.data, repo.object_hash())
        .map_err(|e| format!("commit {id}: {e}"))?;
    let author = commit.author().map_err(|e| format!("commit {id}: {e}"))?;
    let committer = commit
        .committer()
        .map_err(|e| format!("commit {id}: {e}"))?;
    let title = commit
        .message
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or_default();
    Ok(Some(Commit {
        id,
        parents: commit.parents().collect(),
        author: name(author.name),
        authored: time(&author, id)?,
        committer: name(committer.name),
        committed: time(&committer, id)?,
        title: String::from_utf8_lossy(title).trim().to_string(),
    }))
}

fn name(name: &gix::bstr::BStr) -> String {
    String::from_utf8_lossy(name).trim().to_string()
}

fn time(signature: &gix::actor::SignatureRef<'_>, id: ObjectId) -> Result<jiff::Timestamp, String> {
    let time = signature
        .time()
        .map_err(|e| format!("{id}: its time `{}` does not parse: {e}", signature.time))?;
    jiff::Timestamp::from_second(time.seconds)
        .map_err(|e| format!("{id}: its time `{}` is out of range: {e}", signature.time))
}

/// Which release first shipped each commit: releases in time order (then by name), each
/// walking back from its commit over the commits no earlier release holds, so every commit is
/// visited once. Gives, for each commit index, the index in `releases` of its first release.
pub fn first_releases(history: &History, releases: &[&Tag]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..releases.len()).collect();
    order.sort_by_key(|&i| (releases[i].time, &releases[i].name));
    let tips: Vec<ObjectId> = order.iter().map(|&i| releases[i].commit).collect();
    first_reached(history, &tips)
        .into_iter()
        .map(|at| at.map(|n| order[n]))
        .collect()
}

/// For each commit, the first of `tips` (in the order given) it is reachable from.
fn first_reached(history: &History, tips: &[ObjectId]) -> Vec<Option<usize>> {
    let index: HashMap<ObjectId, usize> = history
        .commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let parents: Vec<Vec<usize>> = history
        .commits
        .iter()
        .map(|c| {
            c.parents
                .iter()
                .filter_map(|p| index.get(p).copied())
                .collect()
        })
        .collect();
    let tips: Vec<Option<usize>> = tips.iter().map(|t| index.get(t).copied()).collect();
    first_reached_in(&parents, &tips)
}

/// For each commit of a graph (each commit's parents by index), the first of `tips` (in the
/// order given) it is reachable from: each tip walks back over the commits no earlier tip
/// reached, so every commit is visited once. A tip that is not in the graph (`None`) reaches
/// nothing.
pub(crate) fn first_reached_in(
    parents: &[Vec<usize>],
    tips: &[Option<usize>],
) -> Vec<Option<usize>> {
    let mut first = vec![None; parents.len()];
    for (n, tip) in tips.iter().enumerate() {
        let mut stack: Vec<usize> = tip.iter().copied().collect();
        while let Some(at) = stack.pop() {
            if first[at].is_some() {
                continue;
            }
            first[at] = Some(n);
            stack.extend(&parents[at]);
        }
    }
    first
}

/// What to read besides the commits.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Which tags are releases (default: version-like tags).
    pub tags: Option<String>,
    /// A deployments file (CSV or JSON Lines).
    pub deployments: Option<PathBuf>,
    /// The repository's name in release ids; default: as its `origin` remote names it, else
    /// its folder's name.
    pub name: Option<String>,
}

/// Reads the repository into batches for the store: commits with their events (a batch per
/// [`COMMITS_PER_BATCH`]), then the releases, the deployments and the links between them. Which
/// deployment first shipped each commit is not here: it is computed over the whole store
/// ([`crate::shipped`]), once every source's deployments are in it.
pub fn read(path: &Path, options: &Options) -> Result<Vec<Batch>, GitError> {
    read_noting(path, options, &mut |_| {})
}

/// As [`read`], telling `note` what read nothing though it could have: a repository with no
/// commits, a tag pattern that matches no tag (with how many tags there are and the latest).
pub fn read_noting(
    path: &Path,
    options: &Options,
    note: &mut dyn FnMut(String),
) -> Result<Vec<Batch>, GitError> {
    let pattern = match &options.tags {
        Some(pattern) => TagPattern::parse(pattern)?,
        None => TagPattern::default(),
    };
    let mut history = walk(path)?;
    if let Some(name) = &options.name {
        history.name.clone_from(name);
    }
    if history.commits.is_empty() {
        note(format!(
            "the repository `{}` has no commits: nothing to read",
            path.display()
        ));
    }
    if let Some(said) = unmatched_tags(&history, &pattern, options.tags.as_deref()) {
        note(said);
    }
    let deployed = match &options.deployments {
        Some(file) => {
            let deployed = deployments::read(file, &history)?;
            for said in deployments::notes(file, &deployed) {
                note(said);
            }
            deployed
        }
        None => Vec::new(),
    };
    let releases: Vec<&Tag> = history
        .tags
        .iter()
        .filter(|t| pattern.matches(&t.name))
        .collect();
    let mut batches: Vec<Batch> = history
        .commits
        .chunks(COMMITS_PER_BATCH)
        .map(|chunk| Batch {
            objects: chunk
                .iter()
                .map(|c| commit_object(c, &history.name))
                .collect(),
            events: chunk.iter().flat_map(commit_events).collect(),
            relations: Vec::new(),
            owned: Vec::new(),
        })
        .collect();
    let mut last = Batch::default();
    let release_ids: Vec<String> = releases
        .iter()
        .map(|t| release_id(&history.name, &t.name))
        .collect();
    for (tag, id) in releases.iter().zip(&release_ids) {
        last.objects.push(Object {
            id: id.clone(),
            kind: ObjectType::Release,
            attributes: vec![
                text("tag", &tag.name),
                text("commit", &tag.commit.to_string()),
                text("repository", &history.name),
                ("annotated".into(), Value::Bool(tag.tagger.is_some())),
            ],
        });
        let mut attributes = vec![text("tag", &tag.name)];
        if let Some(tagger) = &tag.tagger {
            attributes.push(text("tagger", tagger));
        }
        last.events.push(Event {
            id: format!("{id}/created"),
            kind: EventType::TagCreated,
            time: tag.time,
            attributes,
            objects: vec![
                (id.clone(), "release".into()),
                (commit_id(tag.commit), "commit".into()),
            ],
        });
    }
    for (commit, release) in history
        .commits
        .iter()
        .zip(first_releases(&history, &releases))
    {
        if let Some(release) = release {
            last.relations.push(Relation {
                source: commit_id(commit.id),
                target: release_ids[release].clone(),
                qualifier: "released_in".into(),
            });
        }
    }
    // The repository's releases and their `released_in` links are this read's alone: a tag
    // deleted, or no longer matching the pattern, takes its release away.
    last.owned.push(Owned::Objects {
        kind: ObjectType::Release,
        prefix: release_id(&history.name, ""),
        links_in: vec!["released_in".into()],
    });
    deployments::add(&mut last, &deployed);
    batches.push(last);
    Ok(batches)
}

/// What to say when the tag pattern matches no tag: the tags there are (how many, the latest);
/// nothing for a repository without tags read with the default pattern.
fn unmatched_tags(history: &History, pattern: &TagPattern, given: Option<&str>) -> Option<String> {
    if history.tags.iter().any(|t| pattern.matches(&t.name)) {
        return None;
    }
    let latest = history.tags.iter().max_by_key(|t| (t.time, &t.name));
    let found = match latest {
        None => "the repository has no tags".to_string(),
        Some(latest) => format!(
            "{} tag{}, e.g. {}",
            history.tags.len(),
            if history.tags.len() == 1 { "" } else { "s" },
            latest.name
        ),
    };
    match (given, latest) {
        (None, None) => None,
        (None, Some(_)) => Some(format!(
            "no tag looks like a version ({found}): no releases read; name the release tags with --tags PATTERN"
        )),
        (Some(given), _) => Some(format!(
            "no tag matches `{given}` ({found}): no releases read"
        )),
    }
}

/// `git:<full hash>`.
pub fn commit_id(id: ObjectId) -> String {
    format!("git:{id}")
}

/// `git:<repository>/tag/<name>`; with an empty name, the start every release of the
/// repository shares.
fn release_id(repository: &str, tag: &str) -> String {
    format!("git:{repository}/tag/{tag}")
}

pub(crate) fn text(name: &str, value: &str) -> (String, Value) {
    (name.to_string(), Value::Text(value.to_string()))
}

fn commit_object(commit: &Commit, repository: &str) -> Object {
    let parents: Vec<String> = commit.parents.iter().map(ToString::to_string).collect();
    Object {
        id: commit_id(commit.id),
        kind: ObjectType::Commit,
        attributes: vec![
            text("title", &commit.title),
            text("author", &commit.author),
            text("committer", &commit.committer),
            text("parents", &parents.join(" ")),
            ("merge".into(), Value::Bool(commit.parents.len() > 1)),
            text("repository", repository),
        ],
    }
}

fn commit_events(commit: &Commit) -> [Event; 2] {
    let id = commit_id(commit.id);
    let event = |what: &str, kind, time, who: &str, person: &str| Event {
        id: format!("{id}/{what}"),
        kind,
        time,
        attributes: vec![text(who, person)],
        objects: vec![(id.clone(), "commit".into())],
    };
    [
        event(
            "authored",
            EventType::CommitAuthored,
            commit.authored,
            "author",
            &commit.author,
        ),
        event(
            "committed",
            EventType::CommitCommitted,
            commit.committed,
            "committer",
            &commit.committer,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::repository_name;

    /// Two clones of one repository name their releases alike, whatever their folders.
    #[test]
    fn a_repository_is_named_by_its_origin_not_its_folder() {
        for (local, path, name) in [
            (false, "/Panjf2000/ants.git", "panjf2000/ants"),
            (false, "panjf2000/ants", "panjf2000/ants"),
            (false, "/group/sub/project.git/", "group/sub/project"),
            (true, "/work/testdata/git/ants.bundle", "ants"),
            (true, "/srv/git/ants", "ants"),
            (true, "/srv/git/.hidden", ".hidden"),
        ] {
            assert_eq!(
                repository_name(local, path).as_deref(),
                Some(name),
                "{path}"
            );
        }
        assert_eq!(repository_name(false, "/"), None);
    }
}

//! The shared workshop editor's server side: a map being edited by several people at once.
//!
//! The map being edited is the stream's latest version plus the edits not yet saved in a
//! version, all in the store (table `edits`), so that any replica serves the same map. Each
//! process keeps a [`Doc`] per stream it serves, brought up to date from the store before each
//! use; an edit is applied over it and stored numbered one past the last (the primary key lets
//! one of two replicas through; the other applies its edit again over the first). The later
//! edit always wins; when it overwrote a value its author had not seen (the op's `expect`), both
//! people are told. Edits are saved as a version once nobody has edited for [`IDLE_SAVE`] and
//! the map is valid, or when someone asks.
//!
//! Everyone with the editor open follows along through server-sent events ([`Event`]): a
//! change, a save, who is there and what they have selected. Across replicas, a process tells
//! the others through the store ([`Store::announce`], PostgreSQL's NOTIFY), and each brings its
//! copy up to date and tells its own followers.

pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;
use vsm_core::mapfile::document::{self, Op, display_path};

use crate::App;
use crate::api::ApiError;
use crate::auth::{Caller, Via};
use crate::future::Bases;
use crate::store::{Edit, NewVersion, Role, StoreError, User};
pub use view::Drawing;

/// The starter map `vsm init` writes, a template to start from.
pub const STARTER: &str = include_str!("../../../../templates/starter.yaml");

/// The empty map to start from: the map's name and customer, and no steps.
pub fn empty(name: &str, now: &Value) -> Value {
    serde_json::json!({
        "name": name,
        "customer": now.get("customer").cloned().unwrap_or_else(|| "Our customer".into()),
        "steps": [],
    })
}

/// Edits are saved as a version once nobody has edited the map for this long.
pub const IDLE_SAVE: Duration = Duration::from_secs(20);
/// The most ops one edit may hold.
pub const MOST_OPS: usize = 500;
/// How long a person stays listed without a heartbeat when no connection of theirs is open
/// here (their presence was posted to this replica, their events come from another).
const PRESENCE_TTL: Duration = Duration::from_secs(45);
/// Events a follower may fall behind by before it is sent the whole map again.
const BACKLOG: usize = 64;
/// An edit's undo and conflicts together are at most this many times the largest body the
/// server takes (an import of the largest map over another answers about twice).
const ANSWER_TIMES: usize = 4;
/// Attempts at numbering an edit when other replicas keep taking the number first.
const ATTEMPTS: usize = 16;

/// A map being edited, as this process last read it.
#[derive(Debug)]
struct Doc {
    /// The saved version the unsaved edits are on.
    version: i64,
    /// The number of the last edit applied.
    seq: i64,
    tree: Value,
    /// The unsaved edits: who made each, and when (Unix seconds).
    unsaved: Vec<(String, i64)>,
    /// Who last wrote each path (as text), to say whose change an edit overwrote.
    writers: HashMap<String, String>,
    /// When this process last saw an edit applied (for the idle save).
    touched: Instant,
    /// The drawings of the map at (version, seq), one per set of maps it extends as its
    /// viewers may read them (a viewer who cannot view a base gets a drawing without it).
    drawings: Vec<State>,
}

/// Drawings of one map kept at once: the latest few, for the viewers who can and cannot view
/// its bases.
const DRAWINGS: usize = 4;

/// What happens to a map being edited, sent to everyone following it.
#[derive(Clone, Debug)]
pub enum Event {
    Change {
        seq: i64,
        author: String,
        ops: Value,
        conflicts: Value,
        state: State,
    },
    Saved {
        version: i64,
        state: State,
    },
    Presence(Vec<Person>),
    /// The whole map, read again (what changed is not known).
    View(State),
}

/// The map being edited at one moment: what every follower is sent.
#[derive(Clone, Debug, Serialize)]
pub struct State {
    pub stream: String,
    pub name: String,
    pub seq: i64,
    pub version: i64,
    pub unsaved: usize,
    pub tree: Arc<Value>,
    #[serde(flatten)]
    pub drawing: Arc<Drawing>,
    /// Which maps it extends the drawing was made with ([`fingerprint`]): a follower who may
    /// read other ones is sent it drawn anew ([`Workshops::as_seen_by`]).
    #[serde(skip)]
    pub bases: u64,
}

/// Someone with the editor open, and what they have selected.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Person {
    pub user: String,
    pub selection: Option<Value>,
}

/// What an edit did, for its author.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub seq: i64,
    /// The edit that undoes it (post it as it is).
    pub undo: Vec<Value>,
    /// What it overwrote that its author had not seen.
    pub conflicts: Vec<Value>,
    #[serde(skip)]
    pub state: State,
}

/// Who each other replica has on a stream, and when it said so.
type Replicas = HashMap<String, (Vec<Person>, Instant)>;

/// One person's presence on one stream, in this process.
#[derive(Debug)]
struct Here {
    /// Their open event streams here.
    connections: usize,
    selection: Option<Value>,
    seen: Instant,
}

/// The maps being edited that this process serves, their followers and who is there.
#[derive(Debug)]
pub struct Workshops {
    docs: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Doc>>>>>,
    /// Per stream, the turn to draw its map after an edit (see [`Workshops::edit`]).
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    channels: Mutex<HashMap<String, broadcast::Sender<Arc<Event>>>>,
    presence: Mutex<HashMap<String, BTreeMap<String, Here>>>,
    /// Who other replicas say is there, per stream and replica, with when they said it.
    elsewhere: Mutex<HashMap<String, Replicas>>,
    /// This process among the replicas (for its announcements).
    replica: String,
    /// Set when the server stops: every event stream ends, so that it can.
    closing: tokio::sync::watch::Sender<bool>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Default for Workshops {
    fn default() -> Self {
        Workshops::new()
    }
}

impl Workshops {
    pub fn new() -> Self {
        Workshops {
            docs: Mutex::default(),
            turns: Mutex::default(),
            channels: Mutex::default(),
            presence: Mutex::default(),
            elsewhere: Mutex::default(),
            replica: crate::auth::secret::random_hex(8),
            closing: tokio::sync::watch::channel(false).0,
        }
    }

    /// Becomes true when the server stops.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    fn cell(&self, stream: &str) -> Arc<tokio::sync::Mutex<Option<Doc>>> {
        Arc::clone(locked(&self.docs).entry(stream.to_string()).or_default())
    }

    fn send(&self, stream: &str, event: Event) {
        if let Some(channel) = locked(&self.channels).get(stream) {
            // No follower: nobody to tell.
            let _ = channel.send(Arc::new(event));
        }
    }

    /// Follows `stream`'s events.
    pub fn subscribe(&self, stream: &str) -> broadcast::Receiver<Arc<Event>> {
        // Under the channels' lock, so that the channel cannot be forgotten meanwhile.
        locked(&self.channels)
            .entry(stream.to_string())
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe()
    }

    /// The map being edited now.
    pub async fn state(&self, app: &App, caller: &Caller, stream: &str) -> Result<State, ApiError> {
        let cell = self.cell(stream);
        let mut doc = cell.lock().await;
        self.refresh(app, stream, &mut doc).await?;
        drawn(app, caller, stream, doc.as_mut().expect("refreshed")).await
    }

    /// Brings this process's copy of the map up to date with the store: edits applied since,
    /// or read again whole when a version was saved since (here or elsewhere). Answers the
    /// edits applied, for the followers.
    async fn refresh(
        &self,
        app: &App,
        stream: &str,
        doc: &mut Option<Doc>,
    ) -> Result<Vec<Edit>, ApiError> {
        let latest = app
            .store
            .stream(stream)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("there is no value stream `{stream}`")))?
            .latest;
        if let Some(current) = doc.as_mut().filter(|d| d.version == latest) {
            let mut applied = Vec::new();
            loop {
                let edits = app.store.edits(stream, current.seq, 1000, false).await?;
                let more = edits.len() == 1000;
                for edit in edits {
                    replay(current, &edit);
                    applied.push(edit);
                }
                if !more {
                    return Ok(applied);
                }
            }
        }
        *doc = Some(load(app, stream).await?);
        Ok(Vec::new())
    }

    /// Applies `ops` as one edit by `caller`, stores it, and tells every follower.
    pub async fn edit(
        &self,
        app: &App,
        caller: &Caller,
        stream: &str,
        ops: &[Op],
    ) -> Result<Outcome, ApiError> {
        if ops.is_empty() || ops.len() > MOST_OPS {
            return Err(ApiError::unprocessable(format!(
                "an edit holds 1 to {MOST_OPS} ops; this one holds {}",
                ops.len()
            )));
        }
        let cell = self.cell(stream);
        let mut guard = cell.lock().await;
        for _ in 0..ATTEMPTS {
            let caught_up = self.refresh(app, stream, &mut guard).await?;
            let doc = guard.as_mut().expect("refreshed");
            self.tell_applied(app, caller, stream, doc, caught_up).await;
            let mut tree = doc.tree.clone();
            let mut undo = Vec::with_capacity(ops.len());
            let mut conflicts = Vec::new();
            // An op may copy a value of the map into its undo and its conflict (a move copies
            // the item it moves), so a batch of small ops could answer and store a map's size
            // hundreds of times over: bounded at a few times what the server takes.
            let most = app.settings.max_body.saturating_mul(ANSWER_TIMES);
            let mut answer = 0;
            for op in ops {
                let applied = document::apply(&mut tree, op)
                    .map_err(|e| ApiError::unprocessable(format!("{e}; nothing was changed")))?;
                let inverse = applied.inverse.to_json();
                answer += json_size(&inverse);
                undo.push(inverse);
                if let Some(conflict) = applied.conflict {
                    let overwrote = writer(&doc.writers, &conflict.path);
                    let told = serde_json::json!({
                        "path": conflict.path.iter().map(view::key_json).collect::<Vec<_>>(),
                        "what": display_path(&conflict.path),
                        "expected": conflict.expected,
                        "found": conflict.found,
                        "overwrote": overwrote,
                    });
                    answer += json_size(&told);
                    conflicts.push(told);
                }
                if answer > most {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "the edit's undo and what it overwrote would be more than {ANSWER_TIMES} times what this server takes ({} bytes): its ops copy large parts of the map again and again; send fewer of them; nothing was changed",
                            app.settings.max_body
                        ),
                    ));
                }
            }
            undo.reverse();
            let size = document::to_yaml(&tree).len();
            if size > app.settings.max_body {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the map would be {size} bytes, more than this server takes ({}); nothing was changed",
                        app.settings.max_body
                    ),
                ));
            }
            let ops_json = Value::Array(ops.iter().map(Op::to_json).collect());
            let record = Edit {
                seq: doc.seq + 1,
                base_version: doc.version,
                user: caller.user.name.clone(),
                ops: ops_json.to_string(),
                conflicts: Value::Array(conflicts.clone()).to_string(),
                created_at: crate::now(),
                saved_in: None,
            };
            match app.store.record_edit(stream, &record).await {
                Ok(()) => {}
                // Another replica numbered its edit first: catch up and apply again.
                Err(StoreError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
            doc.tree = tree;
            note(doc, &record, ops);
            // Drawn without holding the map (a large map's drawing takes a quarter second):
            // the edits made meanwhile are applied and stored, and the next turn draws the
            // map after all of them once, for all of them. Turns keep the followers' maps in
            // the order they were drawn.
            let turn = self.turn(stream);
            drop(guard);
            let _turn = turn.lock().await;
            let state = latest_drawn(app, caller, stream, &cell, record.seq).await?;
            self.send(
                stream,
                Event::Change {
                    seq: record.seq,
                    author: record.user.clone(),
                    ops: ops_json,
                    conflicts: Value::Array(conflicts.clone()),
                    state: state.clone(),
                },
            );
            self.announce(app, stream, "edit", None).await;
            return Ok(Outcome {
                seq: record.seq,
                undo,
                conflicts,
                state,
            });
        }
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "other edits kept arriving first; try again",
        ))
    }

    /// The turn to draw `stream`'s map after an edit.
    fn turn(&self, stream: &str) -> Arc<tokio::sync::Mutex<()>> {
        Arc::clone(locked(&self.turns).entry(stream.to_string()).or_default())
    }

    /// `state` as `caller` may see it: drawn anew when the map extends streams and they may
    /// read other ones than whoever drew it (a follower who cannot view a base is sent nothing
    /// of it).
    pub async fn as_seen_by(
        &self,
        app: &App,
        caller: &Caller,
        state: &State,
    ) -> Result<State, ApiError> {
        if state.tree.get("extends").is_none() {
            return Ok(state.clone());
        }
        let bases = bases_for(app, caller, &state.stream, &state.tree).await;
        let key = fingerprint(&bases);
        if key == state.bases {
            return Ok(state.clone());
        }
        let (tree, stream) = (Arc::clone(&state.tree), state.stream.clone());
        let drawing = crate::api::blocking(move || view::draw(&stream, &tree, &bases)).await?;
        Ok(State {
            drawing: Arc::new(drawing),
            bases: key,
            ..state.clone()
        })
    }

    /// Tells the followers of the edits `applied` made elsewhere, with the map after them.
    async fn tell_applied(
        &self,
        app: &App,
        caller: &Caller,
        stream: &str,
        doc: &mut Doc,
        applied: Vec<Edit>,
    ) {
        if applied.is_empty() {
            return;
        }
        let Ok(state) = drawn(app, caller, stream, doc).await else {
            return;
        };
        let parse = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
        // Each edit is told with the map after the last of them: followers show maps, not ops.
        for edit in &applied {
            self.send(
                stream,
                Event::Change {
                    seq: edit.seq,
                    author: edit.user.clone(),
                    ops: parse(&edit.ops),
                    conflicts: parse(&edit.conflicts),
                    state: state.clone(),
                },
            );
        }
    }

    /// Saves the unsaved edits as a version by `caller` (`message`, or one naming who edited):
    /// `None` when there were none. A map with errors is refused with its diagnostics.
    pub async fn save(
        &self,
        app: &App,
        caller: &Caller,
        stream: &str,
        message: Option<&str>,
    ) -> Result<(Option<i64>, State), ApiError> {
        let cell = self.cell(stream);
        let mut guard = cell.lock().await;
        for _ in 0..ATTEMPTS {
            self.refresh(app, stream, &mut guard).await?;
            let doc = guard.as_mut().expect("refreshed");
            let state = drawn(app, caller, stream, doc).await?;
            if doc.unsaved.is_empty() {
                return Ok((None, state));
            }
            if !state.drawing.valid {
                let errors: Vec<&str> = state
                    .drawing
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == "error")
                    .map(|d| d.message.as_str())
                    .collect();
                return Err(ApiError::unprocessable(format!(
                    "the map has {} error(s), so it is not saved as a version yet (the edits are kept): {}",
                    errors.len(),
                    errors.join("; ")
                )));
            }
            let message = message.map_or_else(|| edited_by(&doc.unsaved), str::to_string);
            let saved = app
                .store
                .save_edits(
                    stream,
                    doc.version,
                    doc.seq,
                    &NewVersion {
                        name: &state.name,
                        yaml: &state.drawing.yaml,
                        author: &caller.user,
                        message: &message,
                        now: crate::now(),
                    },
                )
                .await;
            match saved {
                Ok(info) => {
                    doc.version = info.number;
                    doc.unsaved.clear();
                    let state = drawn(app, caller, stream, doc).await?;
                    self.send(
                        stream,
                        Event::Saved {
                            version: info.number,
                            state: state.clone(),
                        },
                    );
                    self.announce(app, stream, "saved", None).await;
                    return Ok((Some(info.number), state));
                }
                // Saved elsewhere, or a version pushed: read it again.
                Err(StoreError::Conflict(_)) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "other saves kept arriving first; try again",
        ))
    }

    /// Saves every map this process serves whose last edit here is older than
    /// [`Settings::idle_save`](crate::Settings::idle_save),
    /// as the person who edited it last. A map with errors waits for its next edit.
    pub async fn save_idle(&self, app: &App) {
        let cells: Vec<(String, Arc<tokio::sync::Mutex<Option<Doc>>>)> = locked(&self.docs)
            .iter()
            .map(|(stream, cell)| (stream.clone(), Arc::clone(cell)))
            .collect();
        for (stream, cell) in &cells {
            let authors = {
                let doc = cell.lock().await;
                match doc.as_ref() {
                    Some(d)
                        if !d.unsaved.is_empty()
                            && d.touched.elapsed() >= app.settings.idle_save =>
                    {
                        let mut authors: Vec<String> = Vec::new();
                        for (user, _) in d.unsaved.iter().rev() {
                            if !authors.contains(user) {
                                authors.push(user.clone());
                            }
                        }
                        authors
                    }
                    _ => continue,
                }
            };
            // As the last of the edits' authors who may still edit the map.
            let mut saver = None;
            for name in authors {
                let Ok(Some(user)) = app.store.user_by_name(&name).await else {
                    continue;
                };
                let caller = Caller {
                    user,
                    via: Via::Token,
                };
                if caller.require(app, stream, EDIT).await.is_ok() {
                    saver = Some(caller);
                    break;
                }
            }
            let outcome = match &saver {
                Some(caller) => self.save(app, caller, stream, None).await,
                None => Err(ApiError::unprocessable(
                    "no author of the unsaved edits may edit the map any more",
                )),
            };
            match outcome {
                Ok(_) => {}
                Err(error) if error.status == StatusCode::UNPROCESSABLE_ENTITY => {
                    // Not valid yet, or nobody to save it as: try again after the next edit.
                    if let Some(doc) = cell.lock().await.as_mut() {
                        doc.touched = Instant::now() + Duration::from_hours(1);
                    }
                }
                Err(error) => {
                    tracing::warn!(stream, error = %error.message, "saving the workshop's edits");
                }
            }
        }
        self.forget_unfollowed(app, &cells);
    }

    /// Forgets the maps nobody here follows and nobody has edited for 30 idle periods (10 min
    /// by default) with nothing unsaved, so that a long-running server holds only maps in use:
    /// the store has them, and the next request reads them again.
    fn forget_unfollowed(
        &self,
        app: &App,
        cells: &[(String, Arc<tokio::sync::Mutex<Option<Doc>>>)],
    ) {
        let age = app.settings.idle_save.saturating_mul(30);
        for (stream, cell) in cells {
            let idle = cell.try_lock().is_ok_and(|doc| {
                doc.as_ref()
                    .is_none_or(|d| d.unsaved.is_empty() && d.touched.elapsed() >= age)
            });
            if !idle {
                continue;
            }
            // Checked and removed under the channels' lock, which a new follower takes to
            // subscribe: none can start following between the two.
            let mut channels = locked(&self.channels);
            if channels
                .get(stream)
                .is_some_and(|channel| channel.receiver_count() > 0)
            {
                continue;
            }
            channels.remove(stream);
            locked(&self.docs).remove(stream);
            locked(&self.turns).remove(stream);
            locked(&self.elsewhere).remove(stream);
        }
    }

    /// How many maps this process holds (for tests of [`Workshops::save_idle`]'s forgetting).
    pub fn held(&self) -> usize {
        locked(&self.docs).len()
    }

    /// Someone opened the editor of `stream`: listed until the returned guard is dropped.
    pub fn join(self: &Arc<Self>, app: &App, stream: &str, user: &str) -> Presence {
        self.present(stream, user, |here| here.connections += 1);
        self.presence_changed(app, stream);
        Presence {
            workshops: Arc::clone(self),
            app: app.clone(),
            stream: stream.to_string(),
            user: user.to_string(),
        }
    }

    /// `user` selected `selection` (or nothing) in the editor of `stream`.
    pub fn select(&self, app: &App, stream: &str, user: &str, selection: Option<Value>) {
        self.present(stream, user, |here| here.selection = selection);
        self.presence_changed(app, stream);
    }

    /// Notes `user` as present on `stream` now, changed by `change`.
    fn present(&self, stream: &str, user: &str, change: impl FnOnce(&mut Here)) {
        let mut presence = locked(&self.presence);
        let here = presence
            .entry(stream.to_string())
            .or_default()
            .entry(user.to_string())
            .or_insert(Here {
                connections: 0,
                selection: None,
                seen: Instant::now(),
            });
        change(here);
        here.seen = Instant::now();
    }

    fn leave(&self, app: &App, stream: &str, user: &str) {
        {
            let mut presence = locked(&self.presence);
            if let Some(people) = presence.get_mut(stream) {
                if let Some(here) = people.get_mut(user) {
                    here.connections = here.connections.saturating_sub(1);
                    if here.connections == 0 {
                        people.remove(user);
                    }
                }
                if people.is_empty() {
                    presence.remove(stream);
                }
            }
        }
        self.presence_changed(app, stream);
    }

    /// Who this process has on `stream`.
    fn here(&self, stream: &str) -> Vec<Person> {
        let mut presence = locked(&self.presence);
        let Some(people) = presence.get_mut(stream) else {
            return Vec::new();
        };
        people.retain(|_, here| here.connections > 0 || here.seen.elapsed() < PRESENCE_TTL);
        people
            .iter()
            .map(|(user, here)| Person {
                user: user.clone(),
                selection: here.selection.clone(),
            })
            .collect()
    }

    /// Who has the editor of `stream` open, on any replica, by name.
    pub fn people(&self, stream: &str) -> Vec<Person> {
        let mut people: BTreeMap<String, Person> = BTreeMap::new();
        if let Some(replicas) = locked(&self.elsewhere).get_mut(stream) {
            replicas.retain(|_, (_, said)| said.elapsed() < PRESENCE_TTL);
            for (listed, _) in replicas.values() {
                for person in listed {
                    people.insert(person.user.clone(), person.clone());
                }
            }
        }
        for person in self.here(stream) {
            people.insert(person.user.clone(), person);
        }
        people.into_values().collect()
    }

    fn presence_changed(&self, app: &App, stream: &str) {
        self.send(stream, Event::Presence(self.people(stream)));
        let (app, stream, people) = (app.clone(), stream.to_string(), self.here(stream));
        let workshops = Arc::clone(&app.workshops);
        tokio::spawn(async move {
            workshops
                .announce(&app, &stream, "presence", Some(people))
                .await;
        });
    }

    /// Tells the other replicas (through the store) that `stream` changed.
    async fn announce(&self, app: &App, stream: &str, kind: &str, people: Option<Vec<Person>>) {
        let payload = serde_json::json!({
            "replica": self.replica,
            "stream": stream,
            "kind": kind,
            "people": people,
        });
        if let Err(error) = app.store.announce(&payload.to_string()).await {
            tracing::warn!(%error, "telling the other replicas of an edit");
        }
    }

    /// What another replica announced: its edits read from the store and told to this
    /// process's followers, or its people listed. `None`: the announcements may have been
    /// missed (the connection to the store was lost): every map followed here is read again.
    pub async fn heard(&self, app: &App, payload: Option<&str>) {
        let Some(payload) = payload else {
            let streams: Vec<String> = locked(&self.channels).keys().cloned().collect();
            for stream in streams {
                self.catch_up(app, &stream).await;
            }
            return;
        };
        let Ok(said) = serde_json::from_str::<Value>(payload) else {
            return;
        };
        let (Some(replica), Some(stream)) = (said["replica"].as_str(), said["stream"].as_str())
        else {
            return;
        };
        if replica == self.replica || !locked(&self.channels).contains_key(stream) {
            return;
        }
        if said["kind"] == "presence" {
            let people: Vec<Person> = said["people"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| {
                    Some(Person {
                        user: p["user"].as_str()?.to_string(),
                        selection: Some(p["selection"].clone()).filter(|s| !s.is_null()),
                    })
                })
                .collect();
            locked(&self.elsewhere)
                .entry(stream.to_string())
                .or_default()
                .insert(replica.to_string(), (people, Instant::now()));
            self.send(stream, Event::Presence(self.people(stream)));
        } else {
            self.catch_up(app, stream).await;
        }
    }

    /// Reads `stream` again from the store and tells this process's followers what changed.
    async fn catch_up(&self, app: &App, stream: &str) {
        let cell = self.cell(stream);
        let mut guard = cell.lock().await;
        let before = guard.as_ref().map(|d| d.version);
        let Ok(applied) = self.refresh(app, stream, &mut guard).await else {
            return;
        };
        let Some(doc) = guard.as_mut() else { return };
        let caller = system_caller();
        if before != Some(doc.version) {
            if let Ok(state) = drawn(app, &caller, stream, doc).await {
                let event = match before {
                    Some(_) => Event::Saved {
                        version: doc.version,
                        state,
                    },
                    None => Event::View(state),
                };
                self.send(stream, event);
            }
            return;
        }
        self.tell_applied(app, &caller, stream, doc, applied).await;
    }
}

/// Saves idle edits ([`Workshops::save_idle`]) and hears the other replicas' announcements,
/// until `stop`; then ends every event stream.
pub async fn run(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut heard = match app.store.listen().await {
        Ok(heard) => heard,
        Err(error) => {
            tracing::warn!(%error, "cannot hear the other replicas' edits; each replica's editors see its own edits at once and the others' on their next edit");
            None
        }
    };
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let next = async {
            match heard.as_mut() {
                Some(heard) => heard.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stop.changed() => break,
            _ = tick.tick() => app.workshops.save_idle(&app).await,
            said = next => match said {
                Some(payload) => app.workshops.heard(&app, payload.as_deref()).await,
                None => heard = None,
            },
        }
        if *stop.borrow() {
            break;
        }
    }
    let _ = app.workshops.closing.send(true);
}

/// Whoever draws a map for followers when no person asked: the maps a future state extends
/// are read as a server administrator would.
fn system_caller() -> Caller {
    Caller {
        user: User {
            id: 0,
            name: "vsm".into(),
            admin: true,
        },
        via: Via::Token,
    }
}

/// Someone's open editor; dropping it takes them off the list.
#[derive(Debug)]
pub struct Presence {
    workshops: Arc<Workshops>,
    app: App,
    stream: String,
    user: String,
}

impl Drop for Presence {
    fn drop(&mut self) {
        self.workshops.leave(&self.app, &self.stream, &self.user);
    }
}

/// Reads the map being edited from the store: the latest version and the edits not saved in
/// a version, applied in order.
async fn load(app: &App, stream: &str) -> Result<Doc, ApiError> {
    let latest = app
        .store
        .version(stream, None)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no value stream `{stream}`")))?;
    let tree = document::tree(&latest.yaml).map_err(|diagnostics| {
        ApiError::unprocessable(format!(
            "version {} of `{stream}` cannot be edited in the workshop editor: {}",
            latest.info.number,
            diagnostics
                .iter()
                .map(|d| d.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let mut doc = Doc {
        version: latest.info.number,
        seq: 0,
        tree,
        unsaved: Vec::new(),
        writers: HashMap::new(),
        touched: Instant::now(),
        drawings: Vec::new(),
    };
    let mut after = 0;
    loop {
        let edits = app.store.edits(stream, after, 1000, true).await?;
        let more = edits.len() == 1000;
        for edit in edits {
            after = edit.seq;
            replay(&mut doc, &edit);
        }
        if !more {
            break;
        }
    }
    doc.seq = doc.seq.max(app.store.last_edit(stream).await?);
    Ok(doc)
}

/// Applies a stored edit to `doc`. An edit made over an older version than `doc`'s (a version
/// was pushed while it was unsaved) is applied over the newer one; an op of it that no longer
/// applies there is left out, and logged.
fn replay(doc: &mut Doc, edit: &Edit) {
    let ops: Vec<Op> = serde_json::from_str::<Vec<Value>>(&edit.ops)
        .unwrap_or_default()
        .iter()
        .filter_map(|op| Op::from_json(op).ok())
        .collect();
    for op in &ops {
        // An op that cannot apply leaves the tree as it was.
        if let Err(error) = document::apply(&mut doc.tree, op) {
            tracing::warn!(seq = edit.seq, %error, "an unsaved edit no longer applies");
        }
    }
    if edit.saved_in.is_none() {
        note(doc, edit, &ops);
    } else {
        doc.seq = doc.seq.max(edit.seq);
    }
}

/// Notes an applied edit in `doc`: its number, who wrote what, and that it is unsaved.
fn note(doc: &mut Doc, edit: &Edit, ops: &[Op]) {
    doc.seq = doc.seq.max(edit.seq);
    doc.unsaved.push((edit.user.clone(), edit.created_at));
    doc.touched = Instant::now();
    for op in ops {
        doc.writers
            .insert(display_path(&op.path), edit.user.clone());
    }
}

/// The bytes `value` takes as JSON, counted without writing it out.
fn json_size(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing a `Value` to a counter cannot fail.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

/// Who last wrote `path`, or the nearest field or item holding it.
fn writer(writers: &HashMap<String, String>, path: &[document::Key]) -> Option<String> {
    (0..=path.len())
        .rev()
        .find_map(|end| writers.get(&display_path(&path[..end])))
        .cloned()
}

/// A version's message naming who made its edits: "Workshop edits by ada and bea (12 edits)".
fn edited_by(unsaved: &[(String, i64)]) -> String {
    let mut people: Vec<&str> = Vec::new();
    for (user, _) in unsaved {
        if !people.contains(&user.as_str()) {
            people.push(user);
        }
    }
    let names = match people.as_slice() {
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => "nobody".into(),
    };
    let count = unsaved.len();
    format!(
        "Workshop edits by {names} ({count} edit{})",
        if count == 1 { "" } else { "s" }
    )
}

/// The maps `tree`, the map of `stream`, extends, as `caller` may read them: none when it
/// extends none; a problem naming the first one they cannot view.
async fn bases_for(app: &App, caller: &Caller, stream: &str, tree: &Value) -> Bases {
    if tree.get("extends").is_none() {
        return Bases {
            maps: Vec::new(),
            problem: None,
        };
    }
    let yaml = document::to_yaml(tree);
    match crate::future::bases(app, caller, stream, &yaml).await {
        Ok(bases) => bases,
        Err(error) => Bases {
            maps: Vec::new(),
            problem: Some(error.message),
        },
    }
}

/// Which maps `bases` holds, as a number: two drawings made with equal ones show the same.
fn fingerprint(bases: &Bases) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    bases.maps.hash(&mut hasher);
    bases.problem.hash(&mut hasher);
    hasher.finish()
}

/// The map of `doc` as `caller` sees it, drawn once per (version, edit) and maps extended.
async fn drawn(app: &App, caller: &Caller, stream: &str, doc: &mut Doc) -> Result<State, ApiError> {
    let bases = bases_for(app, caller, stream, &doc.tree).await;
    let key = fingerprint(&bases);
    if let Some(state) = drawn_since(doc, key, doc.seq) {
        return Ok(state);
    }
    let (tree, stream_id) = (doc.tree.clone(), stream.to_string());
    let drawing =
        Arc::new(crate::api::blocking(move || view::draw(&stream_id, &tree, &bases)).await?);
    let state = state_of(stream, doc, drawing, key);
    keep(doc, &state);
    Ok(state)
}

/// The map in `cell` as `caller` sees it, with edit `seq` at least: one drawn since, or the
/// map as it is now drawn without holding it, so that the edits made meanwhile are applied and
/// then shown by a drawing made after them.
async fn latest_drawn(
    app: &App,
    caller: &Caller,
    stream: &str,
    cell: &tokio::sync::Mutex<Option<Doc>>,
    seq: i64,
) -> Result<State, ApiError> {
    let (mut state, bases) = {
        let mut guard = cell.lock().await;
        let Some(doc) = guard.as_mut() else {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the map was being read again; try again",
            ));
        };
        let bases = bases_for(app, caller, stream, &doc.tree).await;
        let key = fingerprint(&bases);
        if let Some(state) = drawn_since(doc, key, seq) {
            return Ok(state);
        }
        // The drawing is a stand-in until it is drawn.
        (
            state_of(stream, doc, Arc::new(Drawing::default()), key),
            bases,
        )
    };
    let (tree, stream_id) = (Arc::clone(&state.tree), stream.to_string());
    state.drawing =
        Arc::new(crate::api::blocking(move || view::draw(&stream_id, &tree, &bases)).await?);
    if let Some(doc) = cell.lock().await.as_mut() {
        keep(doc, &state);
    }
    Ok(state)
}

/// The latest drawing of `doc`'s version, with the maps it extends as `key` says, that shows
/// edit `seq` or a later one.
fn drawn_since(doc: &Doc, key: u64, seq: i64) -> Option<State> {
    doc.drawings
        .iter()
        .filter(|s| s.version == doc.version && s.bases == key && s.seq >= seq && s.seq <= doc.seq)
        .max_by_key(|s| s.seq)
        .cloned()
}

/// Keeps `state`'s drawing for those who ask next, while its version is `doc`'s.
fn keep(doc: &mut Doc, state: &State) {
    if state.version != doc.version {
        return;
    }
    doc.drawings.retain(|s| s.version == doc.version);
    doc.drawings.push(state.clone());
    if doc.drawings.len() > DRAWINGS {
        doc.drawings.sort_by_key(|s| s.seq);
        doc.drawings.remove(0);
    }
}

/// `doc` as it is now, drawn as `drawing`.
fn state_of(stream: &str, doc: &Doc, drawing: Arc<Drawing>, bases: u64) -> State {
    State {
        stream: stream.to_string(),
        name: doc.tree["name"].as_str().unwrap_or(stream).to_string(),
        seq: doc.seq,
        version: doc.version,
        unsaved: doc.unsaved.len(),
        tree: Arc::new(doc.tree.clone()),
        drawing,
        bases,
    }
}

/// The role needed to follow a map being edited, and to edit it.
pub const FOLLOW: Role = Role::Viewer;
pub const EDIT: Role = Role::Editor;

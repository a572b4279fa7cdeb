//! The server for the browser tests, on a port of its own, and what they do in its pages: sign
//! in through the form, read a script's value, wait for a condition, click and wait, switch the
//! colour scheme. Included with `#[path = ...]` by each browser test, so that they start the
//! server and use its pages alike.
#![allow(dead_code)] // each test binary uses its own part of it

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Emulation;
use vsm_server::store::sqlite::Sqlite;
use vsm_server::store::{NewVersion, Store};
use vsm_server::{App, Settings};

/// The server on a port of its own, over an SQLite file in a folder of its own, on a runtime in a
/// thread of its own; stopped when dropped.
pub struct Server {
    pub address: SocketAddr,
    pub store: Arc<dyn Store>,
    pub runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _folder: tempfile::TempDir,
}

impl Server {
    pub fn start() -> Server {
        let folder = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let path = folder.path().join("server.sqlite");
        let store: Arc<dyn Store> = Arc::new(runtime.block_on(Sqlite::open(&path)).unwrap());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let app = App::new(Arc::clone(&store), Settings::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = runtime.handle().clone();
        let thread = std::thread::spawn(move || {
            handle
                .block_on(vsm_server::serve(listener, app, async {
                    let _ = stopped.await;
                }))
                .unwrap();
        });
        Server {
            address,
            store,
            runtime,
            stop: Some(stop),
            thread: Some(thread),
            _folder: folder,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Makes `name` a server admin; answers the password printed once.
    pub fn admin(&self, name: &str) -> String {
        self.runtime
            .block_on(vsm_server::accounts::create_admin(
                self.store.as_ref(),
                name,
            ))
            .unwrap()
    }

    /// Makes `name` a user who may only view stream `stream`; answers the password.
    pub fn viewer(&self, name: &str, stream: &str) -> String {
        self.runtime.block_on(async {
            let hashing = vsm_server::auth::hashing::Hashing::new(1, 1);
            let (user, password) =
                vsm_server::accounts::add_user(self.store.as_ref(), &hashing, name, false)
                    .await
                    .unwrap();
            self.store
                .set_role(stream, user.id, Some(vsm_server::store::Role::Viewer))
                .await
                .unwrap();
            password
        })
    }

    /// Makes the stream `id` of `yaml`, pushed by `author` (a user).
    pub fn stream(&self, id: &str, yaml: &str, author: &str) {
        let parsed = vsm_core::parse_map(yaml)
            .stream
            .expect("the map of a test's stream reads");
        self.runtime.block_on(async {
            let author = self.store.user_by_name(author).await.unwrap().unwrap();
            let first = NewVersion {
                name: &parsed.name,
                yaml,
                author: &author,
                message: "pushed",
                now: vsm_server::now(),
            };
            self.store.create_stream(id, &first).await.unwrap();
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Signs `user` in through the sign-in form, from `path` (a protected page, which sends a
/// person to sign in and back); answers when `path` is shown.
pub fn sign_in(tab: &Tab, server: &Server, path: &str, user: &str, password: &str) {
    to_sign_in(tab, server, path);
    fill_sign_in(tab, server, path, user, password);
}

/// Opens `path`, a protected page, and checks that it sends a person to sign in.
pub fn to_sign_in(tab: &Tab, server: &Server, path: &str) {
    tab.navigate_to(&server.url(path))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    assert!(
        tab.get_url().starts_with(&server.url("/signin")),
        "{}",
        tab.get_url()
    );
}

/// Fills in the sign-in form shown and sends it; answers when `path` is shown.
pub fn fill_sign_in(tab: &Tab, server: &Server, path: &str, user: &str, password: &str) {
    tab.find_element("input[name=username]")
        .unwrap()
        .type_into(user)
        .unwrap();
    tab.find_element("input[name=password]")
        .unwrap()
        .type_into(password)
        .unwrap();
    let back = server.url(path);
    click(
        tab,
        "form[action='/signin'] button[type=submit]",
        &format!("location.href === {back:?}"),
    );
}

/// `script`'s value, a string.
pub fn text(tab: &Tab, script: &str) -> String {
    let value = tab.evaluate(script, false).unwrap().value;
    match value {
        Some(serde_json::Value::String(text)) => text,
        other => panic!("`{script}` gave {other:?}, not a string"),
    }
}

/// `script`'s value read as JSON (the script returns `JSON.stringify(...)`, or a promise of it).
pub fn json(tab: &Tab, script: &str) -> serde_json::Value {
    let value = tab.evaluate(script, true).unwrap().value;
    match value {
        Some(serde_json::Value::String(text)) => serde_json::from_str(&text).unwrap(),
        other => panic!("`{script}` gave {other:?}, not JSON text"),
    }
}

/// Waits (10 s at most) until `condition`, a script, is true: a page after a click.
pub fn wait_until(tab: &Tab, condition: &str, what: &str) {
    let start = Instant::now();
    loop {
        let value = tab
            .evaluate(condition, false)
            .ok()
            .and_then(|answer| answer.value);
        if value == Some(serde_json::Value::Bool(true)) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waited 10 s for {what}; the page is {} with {}",
            tab.get_url(),
            text(
                tab,
                "document.body ? document.body.innerText.slice(0, 600) : ''"
            )
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Clicks the element `selector` (which must be there) and waits for `then`.
pub fn click(tab: &Tab, selector: &str, then: &str) {
    tab.find_element(selector)
        .unwrap_or_else(|e| panic!("no `{selector}` on {}: {e}", tab.get_url()))
        .click()
        .unwrap();
    wait_until(tab, then, &format!("`{then}` after clicking `{selector}`"));
}

pub fn color_scheme(tab: &Tab, scheme: &str) {
    tab.call_method(Emulation::SetEmulatedMedia {
        media: None,
        features: Some(vec![Emulation::MediaFeature {
            name: "prefers-color-scheme".into(),
            value: scheme.into(),
        }]),
    })
    .unwrap();
}

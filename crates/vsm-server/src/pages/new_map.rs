//! A new value stream made in the browser, for a workshop: its id, its name and what to start
//! from (an empty map, or the starter template), then straight to the workshop editor.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use vsm_core::mapfile::document::{self, Edit, Op};

use crate::App;
use crate::auth::Caller;
use crate::workshop::{STARTER, empty};

/// What the form asks.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewMap {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `empty` or `starter`.
    #[serde(default)]
    pub template: String,
}

/// Makes the stream from the starter template named as asked (its first version: a stream
/// always has a valid one), emptied as the caller's first edit when they start from an empty
/// map, and opens its workshop editor.
pub async fn create(State(app): State<App>, caller: Caller, Form(asked): Form<NewMap>) -> Response {
    match made(&app, &caller, &asked).await {
        Ok(id) => Redirect::to(&format!("/streams/{id}/edit")).into_response(),
        Err(problem) => {
            let mut page = super::streams_page(&app, &caller, Some(problem), asked).await;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
    }
}

async fn made(app: &App, caller: &Caller, asked: &NewMap) -> Result<String, String> {
    let id = asked.id.trim();
    let name = match asked.name.trim() {
        "" => id,
        name => name,
    };
    if !["empty", "starter"].contains(&asked.template.as_str()) {
        return Err("choose what to start from: an empty map or the starter template".into());
    }
    let mut tree = document::tree(STARTER).map_err(|_| "the starter template does not read")?;
    tree["name"] = Value::from(name);
    let yaml = document::to_yaml(&tree);
    crate::api::save(
        app,
        caller,
        id,
        &yaml,
        "New map for a workshop, from the starter template",
        true,
    )
    .await
    .map_err(|error| error.message)?;
    if asked.template == "empty" {
        let op = Op {
            path: Vec::new(),
            edit: Edit::Set(empty(name, &tree)),
            expect: Some(tree),
        };
        app.workshops
            .edit(app, caller, id, &[op])
            .await
            .map_err(|error| error.message)?;
    }
    Ok(id.to_string())
}

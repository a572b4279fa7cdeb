//! The workshop editor's page: a shell that `static/editor.js` fills from the document API
//! (`/api/streams/{stream}/document`) and keeps live from its event stream. Everyone who may
//! view the stream may open it and follow along; the page's controls edit only for editors
//! (the API refuses the rest anyway). The session's CSRF token is in a `<meta>` tag, for the
//! script's writes: the pages allow no inline script.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Me, Tabs, error_page, render};
use crate::App;
use crate::api::ApiError;
use crate::auth::Caller;
use crate::store::Role;

#[derive(Template)]
#[template(path = "editor.html")]
struct EditorPage<'a> {
    me: Me<'a>,
    id: &'a str,
    name: &'a str,
    role: &'static str,
    tabs: Tabs<'a>,
}

pub(super) async fn editor(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let role = match caller.require(&app, &id, Role::Viewer).await {
        Ok(role) => role,
        Err(error) => return error_page(&caller, &error),
    };
    let stream = match app.store.stream(&id).await {
        Ok(Some(stream)) => stream,
        Ok(None) => {
            return error_page(
                &caller,
                &ApiError::not_found(format!("there is no value stream `{id}`")),
            );
        }
        Err(error) => return error_page(&caller, &error.into()),
    };
    render(&EditorPage {
        me: Me::of(&caller),
        id: &id,
        name: &stream.name,
        role: role.as_str(),
        tabs: Tabs::new(&id, "edit", stream.latest),
    })
}

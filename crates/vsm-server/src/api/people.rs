//! People: who may do what on a stream, new users (server admins), API tokens, and who am I.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ErrorBody};
use crate::auth::Caller;
use crate::store::Role;
use crate::{App, accounts};

/// A role to give.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Membership {
    pub role: Role,
}

/// Gives a user a role on a stream (the stream's admins).
#[utoipa::path(
    put,
    path = "/api/streams/{stream}/members/{user}",
    tag = "people",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("user" = String, Path, description = "The user's name"),
    ),
    request_body = Membership,
    responses(
        (status = 204, description = "The role is given"),
        (status = 403, body = ErrorBody, description = "The caller is not the stream's admin"),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn set_member(
    State(app): State<App>,
    caller: Caller,
    Path((stream, user)): Path<(String, String)>,
    Json(body): Json<Membership>,
) -> Result<StatusCode, ApiError> {
    caller.require(&app, &stream, Role::Admin).await?;
    let user = find_user(&app, &user).await?;
    app.store
        .set_role(&stream, user.id, Some(body.role))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a user's role on a stream away (the stream's admins).
#[utoipa::path(
    delete,
    path = "/api/streams/{stream}/members/{user}",
    tag = "people",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("user" = String, Path, description = "The user's name"),
    ),
    responses(
        (status = 204, description = "The role is taken away"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn remove_member(
    State(app): State<App>,
    caller: Caller,
    Path((stream, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(&app, &stream, Role::Admin).await?;
    let user = find_user(&app, &user).await?;
    app.store.set_role(&stream, user.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn find_user(app: &App, name: &str) -> Result<crate::store::User, ApiError> {
    app.store.user_by_name(name).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "there is no user `{}`; a server admin adds users with POST /api/users",
            vsm_core::diagnostic::shorten(name)
        ))
    })
}

/// A user to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    pub name: String,
    /// A server admin: every role on every stream, and adds users.
    #[serde(default)]
    pub admin: bool,
}

/// A new user and the password made for them, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub name: String,
    pub admin: bool,
    pub password: String,
}

/// Adds a user (server admins); answers the password made for them, shown this once.
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "people",
    request_body = NewUser,
    responses(
        (status = 201, body = CreatedUser),
        (status = 403, body = ErrorBody, description = "The caller is not a server admin"),
        (status = 409, body = ErrorBody, description = "The name is taken"),
    )
)]
pub async fn create_user(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewUser>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    if !caller.user.admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only a server admin adds users",
        ));
    }
    let (user, password) =
        accounts::add_user(app.store.as_ref(), &app.hashing, &body.name, body.admin).await?;
    tracing::info!(user = %user.name, admin = user.admin, by = %caller.user.name, "user added");
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            name: user.name,
            admin: user.admin,
            password,
        }),
    ))
}

/// A token to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// What it is for (`ci`, `laptop`).
    pub name: String,
}

/// A new API token, shown this once; the server keeps only its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub name: String,
    pub token: String,
}

/// Makes an API token that acts as the caller.
#[utoipa::path(
    post,
    path = "/api/tokens",
    tag = "people",
    request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody))
)]
pub async fn create_token(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let token = accounts::add_token(app.store.as_ref(), &caller.user, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            name: body.name.trim().to_string(),
            token,
        }),
    ))
}

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub name: String,
    pub admin: bool,
}

/// The signed-in caller.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "people",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody))
)]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        name: caller.user.name,
        admin: caller.user.admin,
    })
}

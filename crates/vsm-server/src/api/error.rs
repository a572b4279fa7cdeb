//! The API's errors: a status and a JSON body (`{"error": "..."}`), or a map's diagnostics JSON
//! for a map with errors (422).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::accounts::AccountError;
use crate::auth::hashing::HashError;
use crate::map::Problem;
use crate::store::StoreError;

/// An error answer of the API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The body itself, already JSON (a map's diagnostics).
    pub body: Option<String>,
}

/// The body of an error answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong and what to do.
    pub error: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            body: None,
        }
    }

    pub fn unauthenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign in first: send an API token as `Authorization: Bearer TOKEN` (make one on the Tokens page, or with `vsm serve --create-token USER`)",
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let status = match &error {
            StoreError::Conflict(_) => StatusCode::CONFLICT,
            StoreError::Missing(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(%error, "database call failed");
            return ApiError::new(
                status,
                "the database failed; try again, and tell the server's operator if it lasts",
            );
        }
        ApiError::new(status, error.to_string())
    }
}

impl From<HashError> for ApiError {
    fn from(error: HashError) -> Self {
        let status = match error {
            HashError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            HashError::Stopped(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, error.to_string())
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Name(message) => ApiError::bad_request(message),
            AccountError::Taken(_) => ApiError::new(StatusCode::CONFLICT, error.to_string()),
            AccountError::NoUser(_) => ApiError::not_found(error.to_string()),
            AccountError::Hashing(error) => error.into(),
            AccountError::Store(error) => error.into(),
        }
    }
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        match problem {
            Problem::Invalid(json) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: "the map has errors".into(),
                body: Some(json),
            },
            Problem::Other(message) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body.unwrap_or_else(|| {
            serde_json::to_string(&ErrorBody {
                error: self.message,
            })
            .expect("a string serializes")
        });
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::auth::hashing::RETRY_AFTER),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vsm\""),
            );
        }
        response
    }
}

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

    /// 422: the request is understood, and what it asks cannot be done (the message says why).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
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

/// Every error answer of the API and the webhooks (`/api/...`, `/hooks/...`) in the API's error
/// shape (`{"error": "..."}`), the ones the framework makes too: the body limit's 413, the
/// timeout's 408, a JSON body that does not parse or fit (axum's rejections, plain text). Their
/// text is kept, said for people; the status and the other headers are kept.
pub async fn json_errors(
    axum::extract::State(app): axum::extract::State<crate::App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/") || path.starts_with("/hooks/");
    let response = next.run(request).await;
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !api || json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the body is larger than this server takes ({} bytes at most); send less at once (events in smaller batches, a smaller map)",
            app.settings.max_body
        ),
        StatusCode::REQUEST_TIMEOUT => format!(
            "the request took longer than this server allows ({} s) and was given up; try again in a while",
            app.settings.request_timeout.as_secs()
        ),
        _ => said(&text, status),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut answer = ApiError::new(status, message).into_response();
    let answered = answer.headers().clone();
    *answer.headers_mut() = parts.headers;
    answer.headers_mut().extend(answered);
    answer
}

/// The framework's text for an error, said for people: a JSON body that does not parse or fit
/// says so plainly, with where (the text names the line and column); no text, the status.
fn said(text: &str, status: StatusCode) -> String {
    const PREFIXES: [(&str, &str); 4] = [
        (
            "Failed to deserialize the JSON body into the target type: ",
            "the JSON body does not fit what this endpoint takes: ",
        ),
        (
            "Failed to parse the request body as JSON: ",
            "the body is not JSON: ",
        ),
        (
            "Expected request with `Content-Type: application/json`",
            "send the body as JSON, with `Content-Type: application/json`",
        ),
        (
            "Failed to deserialize form body: ",
            "the form does not fit what this endpoint takes: ",
        ),
    ];
    if text.is_empty() {
        return status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_lowercase();
    }
    for (prefix, instead) in PREFIXES {
        if let Some(rest) = text.strip_prefix(prefix) {
            return format!("{instead}{rest}");
        }
    }
    text.to_string()
}

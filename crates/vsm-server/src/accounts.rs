//! What an operator does from the command line, with the database at hand and no one signed in:
//! add the first admin (`vsm serve --create-admin NAME`) and make a token for a user
//! (`vsm serve --create-token USER`).

use crate::auth::secret;
use crate::store::{Store, StoreError};

/// Adds server admin `name` with a new one-time password, which it returns (to print once).
pub async fn create_admin(store: &dyn Store, name: &str) -> Result<String, AccountError> {
    crate::api::check_name(name).map_err(|e| AccountError::Name(e.message))?;
    let password = secret::new_password();
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || secret::hash_password(&to_hash))
        .await
        .map_err(|e| AccountError::Store(StoreError::Database(e.to_string())))?;
    store
        .create_user(name, &hash, true, crate::now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AccountError::Taken(name.to_string()),
            other => AccountError::Store(other),
        })?;
    Ok(password)
}

/// Makes an API token named `token_name` for user `user`; returns it (to print once).
pub async fn create_token(
    store: &dyn Store,
    user: &str,
    token_name: &str,
) -> Result<String, AccountError> {
    let found = store
        .user_by_name(user)
        .await
        .map_err(AccountError::Store)?
        .ok_or_else(|| AccountError::NoUser(user.to_string()))?;
    let token = secret::new_token();
    store
        .create_token(found.id, token_name, &secret::digest(&token), crate::now())
        .await
        .map_err(AccountError::Store)?;
    Ok(token)
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Name(String),
    #[error("the user `{0}` exists already; sign in as them, or pick another name")]
    Taken(String),
    #[error("there is no user `{0}`; add one with `vsm serve --create-admin NAME`")]
    NoUser(String),
    #[error(transparent)]
    Store(StoreError),
}

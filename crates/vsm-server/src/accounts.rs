//! Users and tokens, made the same way from the API and from the command line, where an operator
//! has the database at hand and no one is signed in: add the first admin
//! (`vsm serve --create-admin NAME`), make a token for a user (`vsm serve --create-token USER`),
//! and give a user who forgot their password, or is held back by failed sign-ins, a new one
//! (`vsm serve --reset-password NAME`).

use crate::auth::hashing::{HashError, Hashing};
use crate::auth::secret;
use crate::store::{Store, StoreError, User};

/// The most a user name or a token's name may hold.
pub const MAX_NAME: usize = 64;

/// A user name, or what is wrong with it.
pub fn check_user_name(name: &str) -> Result<(), AccountError> {
    let fine = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c));
    if fine {
        Ok(())
    } else {
        Err(AccountError::Name(format!(
            "`{}` cannot be a user name: use letters, digits, `-`, `_`, `.` and `@` (at most {MAX_NAME})",
            vsm_core::diagnostic::shorten(name)
        )))
    }
}

/// A token's name (what it is for), trimmed, or what is wrong with it.
pub fn token_name(name: &str) -> Result<&str, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AccountError::Name(format!(
            "name the token by what it is for (`ci`, `laptop`), in at most {MAX_NAME} characters"
        )));
    }
    Ok(name)
}

/// Adds user `name` with a new password, hashed in a turn of `hashing`; the user and the
/// password, to show once (the store keeps only its hash).
pub async fn add_user(
    store: &dyn Store,
    hashing: &Hashing,
    name: &str,
    admin: bool,
) -> Result<(User, String), AccountError> {
    check_user_name(name)?;
    let password = secret::new_password();
    let hash = hashing.hash(password.clone()).await?;
    let user = store
        .create_user(name, &hash, admin, crate::now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AccountError::Taken(name.to_string()),
            other => AccountError::Store(other),
        })?;
    Ok((user, password))
}

/// Adds server admin `name` with a new password, which it returns (to print once).
pub async fn create_admin(store: &dyn Store, name: &str) -> Result<String, AccountError> {
    let (_, password) = add_user(store, &Hashing::new(1, 0), name, true).await?;
    Ok(password)
}

/// Gives user `name` a new password, which it returns (to print once), and clears their failed
/// sign-ins: for someone who forgot theirs, or is held back by too many failures.
pub async fn reset_password(store: &dyn Store, name: &str) -> Result<String, AccountError> {
    check_user_name(name)?;
    let user = find(store, name).await?;
    let password = secret::new_password();
    let hash = Hashing::new(1, 0).hash(password.clone()).await?;
    store
        .set_password(user.id, &hash)
        .await
        .map_err(AccountError::Store)?;
    store
        .clear_failed_sign_ins(name)
        .await
        .map_err(AccountError::Store)?;
    Ok(password)
}

/// Makes an API token named `token_name` for user `user`; returns it (to print once).
pub async fn create_token(
    store: &dyn Store,
    user: &str,
    token_name: &str,
) -> Result<String, AccountError> {
    check_user_name(user)?;
    let found = find(store, user).await?;
    add_token(store, &found, token_name).await
}

/// Makes a token for `user` named `name` (checked); the token itself, to show once.
pub async fn add_token(store: &dyn Store, user: &User, name: &str) -> Result<String, AccountError> {
    let name = token_name(name)?;
    let token = secret::new_token();
    store
        .create_token(user.id, name, &secret::digest(&token), crate::now())
        .await
        .map_err(AccountError::Store)?;
    tracing::info!(user = %user.name, token = name, "token made");
    Ok(token)
}

async fn find(store: &dyn Store, name: &str) -> Result<User, AccountError> {
    store
        .user_by_name(name)
        .await
        .map_err(AccountError::Store)?
        .ok_or_else(|| AccountError::NoUser(name.to_string()))
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Name(String),
    #[error("the user `{0}` exists already; sign in as them, or pick another name")]
    Taken(String),
    #[error(
        "there is no user `{0}`; a server admin adds users (POST /api/users), and `vsm serve --create-admin NAME` adds an admin"
    )]
    NoUser(String),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Store(StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_token_names_are_checked_the_same_everywhere() {
        assert!(check_user_name("ada.l@example").is_ok());
        for bad in ["", "a b", "ada\n", &"x".repeat(MAX_NAME + 1)] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(token_name("  ci ").unwrap(), "ci");
        for bad in ["", "   ", "a\u{7}b", &"x".repeat(MAX_NAME + 1)] {
            assert!(token_name(bad).is_err(), "{bad:?}");
        }
    }
}

//! Argon2 is slow and takes about 19 MiB for each password it hashes, by design: so hashes run
//! at most one per CPU, with a short line of requests waiting for a turn; a request that finds
//! the line full is answered 503 at once, with `Retry-After`, instead of queueing without end
//! (200 sign-ins at once took 1.7 GB before this).

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Seconds a refused request is told to wait before trying again.
pub const RETRY_AFTER: u32 = 1;

/// The turns for hashing passwords, shared by every request.
#[derive(Debug)]
pub struct Hashing {
    /// One permit per hash running.
    running: Arc<Semaphore>,
    /// One permit per request running or waiting.
    admitted: Arc<Semaphore>,
}

/// A request's place in the line: it may hash one password, waiting for its turn.
#[derive(Debug)]
pub struct Admitted {
    _place: OwnedSemaphorePermit,
    running: Arc<Semaphore>,
}

impl Hashing {
    /// `at_once` hashes running (at least one), and `waiting` requests more in line.
    pub fn new(at_once: usize, waiting: usize) -> Self {
        let at_once = at_once.max(1);
        Hashing {
            running: Arc::new(Semaphore::new(at_once)),
            admitted: Arc::new(Semaphore::new(at_once + waiting)),
        }
    }

    /// A place in the line, or `None` when it is full (answer 503).
    pub fn admit(&self) -> Option<Admitted> {
        let place = Arc::clone(&self.admitted).try_acquire_owned().ok()?;
        Some(Admitted {
            _place: place,
            running: Arc::clone(&self.running),
        })
    }

    /// Hashes `password` for the store when there is room in the line.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let admitted = self.admit().ok_or(HashError::Busy)?;
        admitted
            .run(move || super::secret::hash_password(&password))
            .await
    }
}

impl Admitted {
    /// Runs `work` (a hash) on a blocking thread once a turn is free.
    pub async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _turn = self.running.acquire().await.map_err(|_| HashError::Busy)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError::Stopped(e.to_string()))
    }
}

/// Why a password was not hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every turn is taken and the line is full (answer 503).
    #[error("the server is busy checking passwords; try again in a moment")]
    Busy,
    #[error("hashing the password stopped: {0}")]
    Stopped(String),
}

#[cfg(test)]
mod tests {
    use super::Hashing;

    #[test]
    fn the_line_holds_the_running_and_the_waiting_and_no_more() {
        let hashing = Hashing::new(1, 2);
        let places: Vec<_> = (0..3).map(|_| hashing.admit()).collect();
        assert!(places.iter().all(Option::is_some));
        assert!(hashing.admit().is_none(), "the line is full");
        drop(places);
        assert!(hashing.admit().is_some(), "places come back");
    }
}

//! Argon2 is slow and takes about 19 MiB for each password it hashes, by design: so hashes run
//! on one thread per CPU, with a short line of requests waiting for a turn; a request that finds
//! the line full is answered 503 at once, with `Retry-After`, instead of queueing without end
//! (200 sign-ins at once took 1.7 GB before this).

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// Seconds a refused request is told to wait before trying again.
pub const RETRY_AFTER: u32 = 1;

type Job = Box<dyn FnOnce() + Send>;

/// The turns for hashing passwords, shared by every request: a few threads of their own (not
/// tokio's blocking threads, of which there may be hundreds: each thread that hashed once keeps
/// argon2's memory in its allocator arena, so the memory is bounded by the threads that hash).
#[derive(Debug)]
pub struct Hashing {
    jobs: mpsc::Sender<Job>,
    /// One permit per request hashing or waiting.
    admitted: Arc<Semaphore>,
}

/// A request's place in the line: it may hash one password, waiting for its turn.
#[derive(Debug)]
pub struct Admitted {
    _place: OwnedSemaphorePermit,
    jobs: mpsc::Sender<Job>,
}

impl Hashing {
    /// `at_once` threads that hash (at least one), and `waiting` requests more in line. The
    /// threads end with the last [`Hashing`] and [`Admitted`].
    pub fn new(at_once: usize, waiting: usize) -> Self {
        let at_once = at_once.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for number in 0..at_once {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("vsm-hashing-{number}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(job) = job else { break };
                        // A hash that panics answers its request with an error; the thread goes on.
                        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                    }
                })
                .expect("the operating system starts a thread");
        }
        Hashing {
            jobs,
            admitted: Arc::new(Semaphore::new(at_once + waiting)),
        }
    }

    /// A place in the line, or `None` when it is full (answer 503).
    pub fn admit(&self) -> Option<Admitted> {
        let place = Arc::clone(&self.admitted).try_acquire_owned().ok()?;
        Some(Admitted {
            _place: place,
            jobs: self.jobs.clone(),
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
    /// Runs `work` (a hash) on a hashing thread once one is free.
    pub async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (done, result) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| HashError::Stopped("the hashing threads have ended".into()))?;
        result
            .await
            .map_err(|_| HashError::Stopped("the hash failed".into()))
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashes_run_on_the_hashing_threads_alone() {
        // Each thread that hashed keeps argon2's 19 MiB in its allocator's arena: however many
        // requests hash at once, only `at_once` threads ever do.
        let hashing = Hashing::new(2, 30);
        let mut runs = tokio::task::JoinSet::new();
        for _ in 0..32 {
            let admitted = hashing.admit().unwrap();
            runs.spawn(admitted.run(|| {
                std::thread::sleep(std::time::Duration::from_millis(5));
                std::thread::current().id()
            }));
        }
        let mut threads = std::collections::BTreeSet::new();
        while let Some(thread) = runs.join_next().await {
            threads.insert(format!("{:?}", thread.unwrap().unwrap()));
        }
        assert!(threads.len() <= 2, "{threads:?}");
        let panicked = hashing.admit().unwrap().run(|| panic!("a bad hash")).await;
        assert!(panicked.is_err());
        let after = hashing.admit().unwrap().run(|| 7).await;
        assert_eq!(after.unwrap(), 7, "the threads go on after a panic");
    }
}

//! Webhook deliveries, as the server hands them to vsm-fetch: GitHub's and GitLab's events read
//! by the REST page parsers their payloads embed.
//!
//! The first byte picks the event (GitHub's used ones, then GitLab's, then one neither reads);
//! the rest is the body. A delivery is used, not used, or an error; its error must be short and
//! must not quote the whole body back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vsm_fetch::{Hook, github, gitlab};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let github = github::WEBHOOK_EVENTS;
    let gitlab = gitlab::WEBHOOK_EVENTS;
    let pick = usize::from(pick) % (github.len() + gitlab.len() + 1);
    let read = if pick < github.len() {
        github::webhook(github[pick], body)
    } else if pick < github.len() + gitlab.len() {
        gitlab::webhook(gitlab[pick - github.len()], body)
    } else {
        github::webhook("star", body)
    };
    match read {
        Ok(Hook::Used(_)) => {}
        Ok(Hook::NotUsed(why)) => assert!(!why.is_empty()),
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.len() <= 2_000,
                "an error of {} bytes: {}",
                message.len(),
                &message[..message.floor_char_boundary(300)]
            );
        }
    }
});

//! Talking to a `vsm serve` server: `vsm push` and `vsm pull` send a token, read JSON answers,
//! and turn the server's errors into one clear message.

use std::io::Read as _;
use std::time::Duration;

use anyhow::{Result, anyhow};
use ureq::Agent;

/// The most an answer may hold: a map is at most a few megabytes.
const MAX_ANSWER: u64 = 64 << 20;

/// A server and the token to send it.
pub struct Server {
    agent: Agent,
    url: String,
    token: String,
}

/// An answer: its status and body.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub version: Option<String>,
}

impl Server {
    pub fn new(url: &str, token: &str) -> Result<Server> {
        let url = url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(anyhow!(
                "`{url}` is not a server URL; give one such as http://127.0.0.1:8080"
            ));
        }
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("vsm/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_global(Some(Duration::from_mins(2)))
            .build()
            .new_agent();
        Ok(Server {
            agent,
            url: url.to_string(),
            token: token.to_string(),
        })
    }

    fn answer(
        &self,
        path: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer> {
        let mut response = result.map_err(|error| {
            anyhow!(
                "cannot reach the server at {}{path}: {error}; is `vsm serve` running there?",
                self.url
            )
        })?;
        let status = response.status().as_u16();
        let version = response
            .headers()
            .get("x-vsm-version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let too_large = || {
            anyhow!(
                "the server's answer to {path} is larger than {}, the most vsm reads; check that {} is a vsm server, and that the map is one you meant to push",
                vsm_ingest::human_size(MAX_ANSWER),
                self.url
            )
        };
        // Refused whole, never cut short: a map written half would look like a map.
        if response
            .body()
            .content_length()
            .is_some_and(|length| length > MAX_ANSWER)
        {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_ANSWER + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| anyhow!("cannot read the server's answer to {path}: {e}"))?;
        if bytes.len() as u64 > MAX_ANSWER {
            return Err(too_large());
        }
        let body = String::from_utf8(bytes)
            .map_err(|_| anyhow!("the server's answer to {path} is not UTF-8 text"))?;
        Ok(Answer {
            status,
            body,
            version,
        })
    }

    pub fn get(&self, path: &str) -> Result<Answer> {
        let result = self
            .agent
            .get(format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {}", self.token))
            .call();
        self.answer(path, result)
    }

    pub fn post(&self, path: &str, body: &serde_json::Value) -> Result<Answer> {
        let result = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .send(body.to_string().as_bytes());
        self.answer(path, result)
    }

    /// The server's error as a message: its `error` field, or the body's start.
    pub fn refusal(&self, path: &str, answer: &Answer) -> anyhow::Error {
        let said = serde_json::from_str::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| answer.body.chars().take(200).collect());
        let hint = match answer.status {
            401 => "; check the token (--token or VSM_TOKEN)",
            _ => "",
        };
        anyhow!(
            "the server at {} refused {path} ({}): {said}{hint}",
            self.url,
            answer.status
        )
    }
}

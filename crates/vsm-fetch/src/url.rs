//! URLs as the clients build and show them: query parameters set, secrets hidden, text
//! percent-encoded, and base64 for basic auth.

/// `url` with the query parameter `name` set to `value` (replaced, or added at the end).
pub(crate) fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(name))
        .map(str::to_string)
        .collect();
    params.push(format!("{name}={value}"));
    format!("{base}?{}", params.join("&"))
}

/// `scheme://host[:port]` of a URL.
pub(crate) fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    match url[after_scheme..].find(['/', '?']) {
        Some(end) => &url[..after_scheme + end],
        None => url,
    }
}

/// A URL as errors and progress show it: query values whose names suggest a secret (`token`,
/// `key`, `secret`, `sig`, `password`, `auth`) replaced by `…`.
pub(crate) fn shown(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|param| {
            let name = param.split('=').next().unwrap_or_default();
            let lower = name.to_ascii_lowercase();
            let secret = ["token", "key", "secret", "sig", "password", "auth"]
                .iter()
                .any(|word| lower.contains(word));
            if secret {
                format!("{name}=…")
            } else {
                param.to_string()
            }
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

/// `text` percent-encoded for a URL's path segment or query value.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Standard base64 with padding, for basic auth.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_standard_base64() {
        assert_eq!(
            base64(b"user@example.com:tok"),
            "dXNlckBleGFtcGxlLmNvbTp0b2s="
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn secrets_in_queries_are_hidden_and_params_replaced() {
        assert_eq!(
            shown("https://h/x?private_token=abc&page=2"),
            "https://h/x?private_token=…&page=2"
        );
        assert_eq!(
            with_param("https://h/x?page=2&a=b", "page", "3"),
            "https://h/x?a=b&page=3"
        );
        assert_eq!(origin("http://127.0.0.1:80/api/v4"), "http://127.0.0.1:80");
        assert_eq!(encode("group/project a"), "group%2Fproject%20a");
    }
}

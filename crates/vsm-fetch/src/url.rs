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

/// The value of the query parameter `name` of a request path, percent-decoded (`+` is a space);
/// none if the path lacks it or it is not UTF-8 once decoded.
pub(crate) fn param(request: &str, name: &str) -> Option<String> {
    let query = request.split_once('?')?.1;
    let value = query
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |i: usize| char::from(*bytes.get(i)?).to_digit(16);
        let escaped = (bytes[at] == b'%')
            .then(|| Some(hex(at + 1)? * 16 + hex(at + 2)?))
            .flatten();
        match (bytes[at], escaped) {
            (_, Some(byte)) => {
                out.push(byte as u8);
                at += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                at += 1;
            }
            (byte, None) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).ok()
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
        let request = "/rest/agile/1.0/board/8/issue?expand=changelog&jql=updated+%3E%3D+%272006%2F01%2F02%27+ORDER+BY+created&x=%zz";
        assert_eq!(
            param(request, "jql").as_deref(),
            Some("updated >= '2006/01/02' ORDER BY created")
        );
        assert_eq!(param(request, "x").as_deref(), Some("%zz"));
        assert_eq!(param(request, "expand=changelog"), None);
        assert_eq!(param("/rest/api/2/status", "jql"), None);
    }
}

//! Secrets: passwords (argon2), API tokens and session ids (random, kept as their SHA-256), and
//! comparing them in constant time. Nothing here logs or formats a secret.

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest as _, Sha256};

/// What API tokens start with, so that a leaked one is recognisable (and scanners can find it).
pub const TOKEN_PREFIX: &str = "vsm_";

/// `bytes` random bytes from the operating system, as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system gives random bytes");
    hex(&buffer)
}

/// `bytes` as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

/// The bytes that hex digits stand for (either case); `None` for an odd count or a non-digit.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks(2)
        .map(|pair| Some((digit(pair[0])? << 4) | digit(pair[1])?))
        .collect()
}

/// A new API token (shown once, to its owner).
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex(24))
}

/// A new password, shown once to the person it is for: 20 characters they can type from a
/// terminal.
pub fn new_password() -> String {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buffer = [0u8; 20];
    getrandom::fill(&mut buffer).expect("the operating system gives random bytes");
    // 256 is not a multiple of 55: the first letters are a little likelier, by 1/256 at most,
    // leaving well over 100 bits.
    buffer
        .iter()
        .map(|b| LETTERS[usize::from(*b) % LETTERS.len()] as char)
        .collect()
}

/// What the store keeps of a token or a session id: its SHA-256, in hex. They are long random
/// strings, so a fast hash is enough (a password needs [`hash_password`]).
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// The argon2 hash of a password, with a fresh salt, in the PHC string format.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system gives random bytes");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a salt");
    let (algorithm, version, params) = (Algorithm::Argon2id, Version::V0x13, Params::default());
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon2_into(&argon2, password, salt.as_salt(), out)
    })
    .expect("argon2 hashes any password with default parameters");
    PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params).expect("default parameters"),
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string()
}

/// Whether `password` matches the stored `hash` (false for a damaged hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    let matches = || -> argon2::password_hash::Result<bool> {
        let stored = PasswordHash::new(hash)?;
        let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
            return Ok(false);
        };
        let algorithm = Algorithm::try_from(stored.algorithm)?;
        let version = stored
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let argon2 = Argon2::new(algorithm, version, Params::try_from(&stored)?);
        let computed = Output::init_with(expected.len(), |out| {
            argon2_into(&argon2, password, salt, out)
        })?;
        // `Output`'s equality takes the same time wherever they differ.
        Ok(computed == expected)
    };
    matches().unwrap_or(false)
}

thread_local! {
    /// argon2's working memory (19 MiB with the default parameters), kept by each thread that
    /// hashes (the few of [`super::hashing::Hashing`]) and reused. Allocated anew for each hash,
    /// as argon2 does by itself, the allocator kept every one: a server's memory grew by about
    /// 19.5 MB with each sign-in, on the same thread.
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `argon2` over `password` and `salt` into `out`, in this thread's working memory.
fn argon2_into(
    argon2: &Argon2<'_>,
    password: &str,
    salt: Salt<'_>,
    out: &mut [u8],
) -> argon2::password_hash::Result<()> {
    let mut buffer = [0u8; Salt::MAX_LENGTH];
    let salt = salt.decode_b64(&mut buffer)?;
    let blocks = argon2.params().block_count();
    MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            *memory = vec![argon2::Block::default(); blocks];
        }
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
            .map_err(Into::into)
    })
}

/// A hash to verify against when the user does not exist, so that a wrong name takes as long
/// as a wrong password and does not tell which names exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not anyone's password"))
}

/// Whether two strings are equal, taking the same time wherever they differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(hash, hash_password("correct horse"), "salted");
        // argon2's own hash of the same password and salt: the same string, and it verifies.
        let stored = PasswordHash::new(&hash).unwrap();
        let theirs = argon2::password_hash::PasswordHasher::hash_password(
            &Argon2::default(),
            b"correct horse",
            stored.salt.unwrap(),
        )
        .unwrap();
        assert_eq!(theirs.to_string(), hash);
        assert!(
            argon2::password_hash::PasswordVerifier::verify_password(
                &Argon2::default(),
                b"correct horse",
                &stored
            )
            .is_ok()
        );
    }

    #[test]
    fn tokens_are_random_and_kept_as_a_digest() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 48);
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let password = new_password();
        assert_eq!(password.len(), 20);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn hex_goes_both_ways() {
        let bytes = [0u8, 1, 0xab, 0xff, 0x10];
        assert_eq!(hex(&bytes), "0001abff10");
        assert_eq!(unhex("0001ABff10").unwrap(), bytes);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}

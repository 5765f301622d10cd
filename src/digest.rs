//! Digests and comparisons of secrets: SHA-256 as hex (how tokens and keys are stored, how
//! rollup definitions and the audit chain are fingerprinted) and equality that takes the same
//! time wherever its inputs differ. A leaf module: anything may use it.

use sha2::{Digest, Sha256};

/// SHA-256 of a high-entropy secret, as hex. Tokens and keys are stored only in this form, so a
/// copy of the database does not let anyone sign in. (Passwords, which are low-entropy, are
/// hashed with argon2id instead.)
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Equality that takes the same time wherever the inputs differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }

    #[test]
    fn sha256_is_hex_of_the_digest() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

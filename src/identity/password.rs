//! Passwords: the policy new passwords must meet, and argon2id hashing at OWASP's floor.
//!
//! Hashing costs 19 MiB and tens of milliseconds by design; callers bound how many run at once
//! (the appliance holds a semaphore sized to the cores), so a burst of logins queues instead of
//! exhausting memory.

use argon2::password_hash::SaltString;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use super::token::random_bytes;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;
/// OWASP's minimum for argon2id: 19 MiB of memory, two passes, one lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
const LANES: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("a password needs at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("a password may have at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("this password is on the list of common passwords; choose another")]
    Common,
    #[error("a password may not consist only of spaces")]
    Blank,
}

/// Checks a new password: 12 to 128 characters, not blank, not a common password (the list of
/// about 100,000 is compiled into the binary; the comparison ignores case).
pub fn check_policy(password: &str) -> Result<(), PolicyError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PolicyError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PolicyError::TooLong);
    }
    if password.trim().is_empty() {
        return Err(PolicyError::Blank);
    }
    let lower = password.to_lowercase();
    if passwords::analyzer::is_common_password(password)
        || passwords::analyzer::is_common_password(&lower)
    {
        return Err(PolicyError::Common);
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// An argon2id hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
pub fn hash(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes make a valid salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2id hashing with valid parameters cannot fail")
        .to_string()
}

/// Whether `password` matches a stored hash. A malformed hash matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Whether a stored hash is argon2id at or above the floor (m ≥ 19 MiB, t ≥ 2).
pub fn meets_floor(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let param = |name: &str| parsed.params.get_decimal(name).unwrap_or_default();
    parsed.algorithm.as_str() == "argon2id" && param("m") >= MEMORY_KIB && param("t") >= PASSES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_short_long_blank_and_common_passwords() {
        assert_eq!(check_policy("short"), Err(PolicyError::TooShort));
        assert_eq!(check_policy(&"x".repeat(129)), Err(PolicyError::TooLong));
        assert_eq!(check_policy(&" ".repeat(14)), Err(PolicyError::Blank));
        assert_eq!(check_policy("000000000000"), Err(PolicyError::Common));
        assert_eq!(check_policy("012345678910"), Err(PolicyError::Common));
        assert_eq!(check_policy("correct horse battery staple"), Ok(()));
        // Twelve characters counted as characters, not bytes.
        assert_eq!(check_policy("ééééééééééé"), Err(PolicyError::TooShort));
        assert_eq!(check_policy(&"é".repeat(128)), Ok(()));
    }

    #[test]
    fn hashes_verify_and_meet_the_floor() {
        let stored = hash("correct horse battery staple");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(meets_floor(&stored));
        assert!(verify("correct horse battery staple", &stored));
        assert!(!verify("correct horse battery stapler", &stored));
        assert!(!verify("anything", "not a hash"));
        // The same password hashes differently each time (random salt).
        assert_ne!(stored, hash("correct horse battery staple"));
        assert!(!meets_floor(
            "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
        ));
        assert!(!meets_floor(
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
        ));
    }
}

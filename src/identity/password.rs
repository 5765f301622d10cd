//! Passwords: the policy new passwords must meet, and argon2id hashing at OWASP's floor.
//!
//! Hashing costs 19 MiB and tens of milliseconds by design. The work runs in caller-provided
//! [`Memory`]: the appliance keeps one buffer per core and a semaphore with as many permits, so
//! a burst of sign-ins queues instead of exhausting memory, and the buffers are reused rather
//! than left behind in the allocator of whichever thread ran the hash.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

const OUTPUT_LEN: usize = 32;

/// Working memory for one argon2id computation at the floor (19 MiB), for reuse.
pub struct Memory(Vec<Block>);

impl Default for Memory {
    fn default() -> Self {
        Self(vec![Block::default(); MEMORY_KIB as usize])
    }
}

fn params() -> Params {
    Params::new(MEMORY_KIB, PASSES, LANES, Some(OUTPUT_LEN)).expect("argon2 parameters are valid")
}

/// Runs argon2 in `memory`, or in a fresh buffer when the parameters need more than it has
/// (a hash stored with a higher cost than today's floor).
fn compute(
    argon: &Argon2<'_>,
    memory: &mut Memory,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let needed = argon.params().block_count();
    if needed <= memory.0.len() {
        argon.hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            out,
            &mut memory.0[..needed],
        )
    } else {
        let mut bigger = vec![Block::default(); needed];
        argon.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut bigger[..])
    }
}

/// An argon2id hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
pub fn hash_in(memory: &mut Memory, password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes make a valid salt");
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .expect("a salt we encoded decodes");
    let params = params();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; OUTPUT_LEN];
    compute(&argon, memory, password, raw_salt, &mut out)
        .expect("argon2id hashing with valid parameters cannot fail");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("parameters encode"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).expect("32 bytes is a valid output")),
    }
    .to_string()
}

/// Whether `password` matches a stored argon2id hash. Anything malformed matches nothing.
pub fn verify_in(memory: &mut Memory, password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(Algorithm::Argon2id, version, params);
    let mut out = vec![0u8; expected.len()];
    if compute(&argon, memory, password, raw_salt, &mut out).is_err() {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// [`hash_in`] with memory of its own (first start, tests).
pub fn hash(password: &str) -> String {
    hash_in(&mut Memory::default(), password)
}

/// [`verify_in`] with memory of its own.
pub fn verify(password: &str, stored: &str) -> bool {
    verify_in(&mut Memory::default(), password, stored)
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

//! Random secrets and identifiers: session tokens, API key secrets, CSRF tokens, generated
//! passwords and record ids, all from the operating system's CSPRNG.

/// Crockford base 32: no I, L, O or U, so ids read aloud and typed by hand survive.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `n` random bytes. The OS generator failing means the machine cannot make secrets at all;
/// nothing sensible can continue, so this panics rather than hand out a weak value.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random generator is unavailable");
    bytes
}

/// A secret of 256 bits as 64 lowercase hex characters.
pub fn secret() -> String {
    crate::digest::hex(&random_bytes::<32>())
}

/// An id: `prefix` and `len` random Crockford base-32 characters, e.g. `WK-7K2M9Q4XZ`.
pub fn random_id(prefix: &str, len: usize) -> String {
    let bytes = random_bytes::<32>();
    let body: String = bytes
        .iter()
        .take(len)
        .map(|b| CROCKFORD[usize::from(b & 31)] as char)
        .collect();
    format!("{prefix}{body}")
}

/// Nine Crockford characters from a 64-bit number (deterministic ids such as the demo's).
pub fn crockford9(x: u64) -> String {
    (0..9)
        .map(|i| CROCKFORD[((x >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// A password for people to copy once from the console: 20 characters from an alphabet
/// without look-alikes, about 114 bits.
pub fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = random_bytes::<64>();
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut password: String = bytes
        .iter()
        .filter(|b| usize::from(**b) < limit)
        .take(20)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    while password.len() < 20 {
        password.push_str(&generated_password()[..20 - password.len()]);
    }
    password
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_ids_have_their_shape_and_differ() {
        let (a, b) = (secret(), secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        let id = random_id("WK-", 9);
        assert_eq!(id.len(), 12);
        assert!(id[3..].bytes().all(|c| CROCKFORD.contains(&c)), "{id}");
        let password = generated_password();
        assert_eq!(password.chars().count(), 20);
        assert_ne!(password, generated_password());
    }
}

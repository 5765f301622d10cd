//! Identity: passwords, secrets, login throttling and the access policy.
//!
//! Plain rules and primitives with no storage or HTTP: `appliance/` combines them with the
//! store to sign people in and to resolve each request's [`policy::Grant`], and every
//! operation asks the policy before it touches anything.

pub mod password;
pub mod policy;
pub mod throttle;
pub mod token;

/// Normalises an email for lookup and uniqueness: trimmed and lowercase.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A light check that catches typing mistakes; delivery is never attempted.
pub fn check_email(email: &str) -> Result<(), String> {
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(())
    } else {
        Err(format!("`{email}` is not an email address"))
    }
}

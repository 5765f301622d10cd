//! Configuration: one typed `Config`, from command-line flags or `FLEXBOARD_*` environment
//! variables, with defaults in code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How to run the appliance. Every flag can also be set by the environment variable named
/// beside it.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address and port to serve the UI and API on.
    #[arg(long, env = "FLEXBOARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory for the configuration database and each tenant's data; created when absent.
    #[arg(long, env = "FLEXBOARD_DATA_DIR", default_value = "./flexboard-data")]
    pub data_dir: PathBuf,

    /// Sales rows the demo generates on first start (1,000 to 1,000,000,000).
    #[arg(
        long,
        env = "FLEXBOARD_DEMO_ROWS",
        default_value_t = 1_000_000,
        value_parser = clap::value_parser!(u64).range(1_000..=1_000_000_000)
    )]
    pub demo_rows: u64,

    /// Seed of the demo data; the same seed always gives the same data.
    #[arg(long, env = "FLEXBOARD_DEMO_SEED", default_value_t = 42)]
    pub demo_seed: u64,

    /// Start with an empty data directory instead of creating the demo workspace.
    #[arg(long, env = "FLEXBOARD_NO_DEMO")]
    pub no_demo: bool,

    /// Memory limit of each tenant's DuckDB database, e.g. `2GB`.
    #[arg(long, env = "FLEXBOARD_DUCKDB_MEMORY", default_value = "2GB")]
    pub duckdb_memory: String,

    /// Threads each tenant's DuckDB database may use [default: the number of cores].
    #[arg(long, env = "FLEXBOARD_DUCKDB_THREADS", value_parser = clap::value_parser!(u16).range(1..))]
    pub duckdb_threads: Option<u16>,

    /// A data query running longer is interrupted (e.g. `30s`, `2m`).
    #[arg(long, env = "FLEXBOARD_QUERY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub query_timeout: Duration,

    /// A session ends after this long without a request (`45s`, `30m`, `8h`, `7d`).
    #[arg(long, env = "FLEXBOARD_SESSION_IDLE", default_value = "8h", value_parser = parse_duration)]
    pub session_idle: Duration,

    /// A session ends this long after sign-in, however active.
    #[arg(long, env = "FLEXBOARD_SESSION_LIFETIME", default_value = "7d", value_parser = parse_duration)]
    pub session_lifetime: Duration,

    /// First start only: the super-admin's email, instead of a generated account.
    #[arg(long, env = "FLEXBOARD_ADMIN_EMAIL", requires = "admin_password")]
    pub admin_email: Option<String>,

    /// First start only: the super-admin's password (12 to 128 characters, not a common one).
    /// Prefer the environment variable, which does not show in the process list.
    #[arg(
        long,
        env = "FLEXBOARD_ADMIN_PASSWORD",
        hide_env_values = true,
        requires = "admin_email"
    )]
    pub admin_password: Option<String>,

    /// Mark cookies `Secure` and name the session cookie `__Host-…`: set this when users reach
    /// Flexboard over HTTPS (through a TLS-terminating proxy).
    #[arg(long, env = "FLEXBOARD_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

/// A duration such as `90s`, `30m`, `8h` or `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 90s, 30m, 8h or 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("`{text}`: the unit must be s, m, h or d")),
    };
    if number == 0 {
        return Err("a duration must be longer than zero".into());
    }
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

impl Config {
    /// A configuration for a data directory with every other setting at its default.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            demo_rows: 1_000_000,
            demo_seed: 42,
            no_demo: false,
            duckdb_memory: "2GB".into(),
            duckdb_threads: None,
            query_timeout: Duration::from_secs(30),
            session_idle: Duration::from_secs(8 * 3_600),
            session_lifetime: Duration::from_secs(7 * 86_400),
            admin_email: None,
            admin_password: None,
            secure_cookies: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("8h"), Ok(Duration::from_secs(28_800)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("8").is_err());
        assert!(parse_duration("0m").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5 weeks").is_err());
    }
}

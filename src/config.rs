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

    /// The moment the demo's data ends (RFC 3339, e.g. `2026-04-01T00:00:00Z`): its sales run
    /// to the day before and cover the fiscal years (April to March) up to that day's, its
    /// operations data runs to that minute. Default: the first start's time, so a new demo
    /// always shows the last few days.
    #[arg(long, env = "FLEXBOARD_DEMO_NOW", value_parser = parse_instant)]
    pub demo_now: Option<chrono::DateTime<chrono::Utc>>,

    /// Keep the demo as it was made: without it, the running appliance appends each minute's
    /// server metrics and each finished day's sales to the demo (a pinned `--demo-now` also
    /// keeps it still).
    #[arg(long, env = "FLEXBOARD_DEMO_STATIC", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo_static: bool,

    /// Start with an empty data directory instead of creating the demo workspace.
    #[arg(long, env = "FLEXBOARD_NO_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
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

    /// Memory for cached panel results (`128MB`, `1GB`); raw series weigh the most.
    #[arg(long, env = "FLEXBOARD_RESULT_CACHE_SIZE", default_value = "128MB", value_parser = parse_size)]
    pub result_cache_size: usize,

    /// Memory for cached resolved dashboards (`64MB`).
    #[arg(long, env = "FLEXBOARD_RESOLVE_CACHE_SIZE", default_value = "64MB", value_parser = parse_size)]
    pub resolve_cache_size: usize,

    /// Raw points a time series gives a caller who only reads dashboards (editors get up to
    /// 50,000).
    #[arg(long, env = "FLEXBOARD_READER_RAW_POINTS", default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub reader_raw_points: u32,

    /// Rows one export may hold; a larger export is refused (413) and should be narrowed by
    /// the range or filters.
    #[arg(long, env = "FLEXBOARD_EXPORT_MAX_ROWS", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub export_max_rows: u64,

    /// Ledger entries for refusals and failed sign-ins per minute, all together; past it they
    /// are counted in one `audit.suppressed` entry.
    #[arg(long, env = "FLEXBOARD_AUDIT_REFUSALS_PER_MINUTE", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub audit_refusals_per_minute: u64,

    /// A client has this long to send a request's headers, and a kept-alive connection that
    /// sends no new request for this long is closed (`30s`).
    #[arg(long, env = "FLEXBOARD_HEADER_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// A request body that sends nothing for this long is broken off (`60s`).
    #[arg(long, env = "FLEXBOARD_BODY_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Connections served at once; more are answered `503` and closed.
    #[arg(long, env = "FLEXBOARD_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// The largest workspace logo an admin may upload (`512KB`).
    #[arg(long, env = "FLEXBOARD_MAX_LOGO_SIZE", default_value = "512KB", value_parser = parse_size)]
    pub max_logo_size: usize,

    /// The largest file one import through the API may send (`4GB`).
    #[arg(long, env = "FLEXBOARD_IMPORT_MAX_SIZE", default_value = "4GB", value_parser = parse_size)]
    pub import_max_size: usize,

    /// The most rows one imported file may hold.
    #[arg(long, env = "FLEXBOARD_IMPORT_MAX_ROWS", default_value_t = 200_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub import_max_rows: u64,

    /// An import through the API still running after this long is stopped, with nothing
    /// imported (`30m`).
    #[arg(long, env = "FLEXBOARD_IMPORT_TIMEOUT", default_value = "30m", value_parser = parse_duration)]
    pub import_timeout: Duration,

    /// Disk each workspace may fill: its database, its rollups and files being imported
    /// (`20GB`). An import that would pass it is refused.
    #[arg(long, env = "FLEXBOARD_TENANT_DISK_QUOTA", default_value = "20GB", value_parser = parse_size)]
    pub tenant_disk_quota: usize,

    /// Reverse proxies whose `X-Forwarded-For` is believed, as CIDRs or addresses separated by
    /// commas (`127.0.0.1,10.0.0.0/8`). Without it every request's address is the TCP peer's,
    /// and behind a proxy all sign-ins would share the proxy's throttling counters.
    #[arg(long, env = "FLEXBOARD_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Mark cookies `Secure` and name the session cookie `__Host-…`: set this when users reach
    /// Flexboard over HTTPS (through a TLS-terminating proxy).
    #[arg(long, env = "FLEXBOARD_SECURE_COOKIES", value_parser = clap::builder::BoolishValueParser::new())]
    pub secure_cookies: bool,
}

/// A number and its unit (`90s` → 90, `s`); `example` says in the error what was expected.
fn number_and_unit<'t>(text: &'t str, example: &str) -> Result<(u64, &'t str), String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number = number
        .parse()
        .map_err(|_| format!("`{text}` is not {example}"))?;
    Ok((number, unit))
}

/// A moment in RFC 3339 form, such as `2026-04-01T00:00:00Z`.
pub fn parse_instant(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("expected a moment like 2026-04-01T00:00:00Z: {e}"))
}

/// A duration such as `90s`, `30m`, `8h` or `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = number_and_unit(text, "a duration like 90s, 30m, 8h or 7d")?;
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

/// A network (`10.0.0.0/8`, `fd00::/8`) or a single address.
pub fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{text}` is not an address or a network like 10.0.0.0/8"))
}

/// A size such as `512KB`, `64MB` or `2GB` (powers of 1024; `MiB` and `MB` mean the same), or a
/// number of bytes.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (number, unit) = number_and_unit(text, "a size like 512KB, 64MB or 2GB")?;
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "KB" | "KIB" | "K" => 1 << 10,
        "MB" | "MIB" | "M" => 1 << 20,
        "GB" | "GIB" | "G" => 1 << 30,
        "TB" | "TIB" | "T" => 1 << 40,
        _ => return Err(format!("`{text}`: the unit must be B, KB, MB, GB or TB")),
    };
    if number == 0 {
        return Err("a size must be larger than zero".into());
    }
    number
        .checked_mul(scale)
        .and_then(|bytes| usize::try_from(bytes).ok())
        .ok_or_else(|| format!("`{text}` is too large"))
}

impl Config {
    /// A configuration for a data directory with every other setting at its default.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            demo_rows: 1_000_000,
            demo_seed: 42,
            demo_now: None,
            no_demo: false,
            demo_static: false,
            duckdb_memory: "2GB".into(),
            duckdb_threads: None,
            query_timeout: Duration::from_secs(30),
            session_idle: Duration::from_secs(8 * 3_600),
            session_lifetime: Duration::from_secs(7 * 86_400),
            admin_email: None,
            admin_password: None,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
            max_connections: 1024,
            import_max_size: 4 << 30,
            max_logo_size: 512 << 10,
            import_max_rows: 200_000_000,
            import_timeout: Duration::from_secs(30 * 60),
            tenant_disk_quota: 20 << 30,
            reader_raw_points: 5_000,
            export_max_rows: 100_000,
            audit_refusals_per_minute: 1_000,
            result_cache_size: 128 << 20,
            resolve_cache_size: 64 << 20,
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

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("64MB"), Ok(64 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0MB").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999TB").is_err());
    }
}

//! Configuration: one typed `Config`, from command-line flags or `FLEXBOARD_*` environment
//! variables, with defaults in code.

use std::net::SocketAddr;
use std::path::PathBuf;

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
        }
    }
}

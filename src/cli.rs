//! Command line: `flexboard` (the same as `flexboard serve`) and its flags.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(
    name = "flexboard",
    version,
    about = "Self-hosted dashboard appliance: one binary with its UI, configuration store and analytics engine.",
    long_about = "Self-hosted dashboard appliance: one binary with its UI, configuration store and \
                  analytics engine.\n\nWith no subcommand, `flexboard` serves; on first start it \
                  creates the data directory and a demo workspace.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: Config,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the UI and API (the default).
    Serve(Box<Config>),
    /// Import a CSV, Parquet or JSON file into a dataset, all or nothing, refreshing its
    /// rollups. Run it while Flexboard is stopped (or upload through the API instead).
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The file to import.
    file: std::path::PathBuf,
    /// The dataset to add its rows to.
    #[arg(long)]
    dataset: String,
    /// Tenant id or slug (optional when the data directory holds one tenant).
    #[arg(long)]
    tenant: Option<String>,
    /// csv, parquet or json [default: from the file's extension].
    #[arg(long)]
    format: Option<String>,
    #[arg(long, env = "FLEXBOARD_DATA_DIR", default_value = "./flexboard-data")]
    data_dir: std::path::PathBuf,
    /// Threads DuckDB may use [default: the number of cores].
    #[arg(long, env = "FLEXBOARD_DUCKDB_THREADS", value_parser = clap::value_parser!(u16).range(1..))]
    duckdb_threads: Option<u16>,
}

/// Parses the command line and runs it; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let config = match cli.command {
        Some(Command::Serve(config)) => *config,
        Some(Command::Import(args)) => {
            return match import(&args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("flexboard import: {error:#}");
                    ExitCode::FAILURE
                }
            };
        }
        None => cli.serve,
    };
    match serve(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("flexboard: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    // Bind before touching the data directory, so a taken port changes nothing on disk.
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", config.listen))?;
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        crate::serve(config, listener, shutdown_signal()).await?;
        Ok(())
    })
}

/// Resolves on Ctrl-C or SIGTERM, so systemd and containers stop the server cleanly.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn import(args: &ImportArgs) -> anyhow::Result<()> {
    use crate::analytics::ingest::{Format, Progress};
    use crate::appliance::OfflineProgress;
    use indicatif::{ProgressBar, ProgressStyle};

    let format = match &args.format {
        Some(text) => Format::parse(text).ok_or_else(|| {
            anyhow::anyhow!("--format must be one of {}, not `{text}`", Format::NAMES)
        })?,
        None => Format::from_path(&args.file).ok_or_else(|| {
            anyhow::anyhow!(
                "cannot tell the format of {} from its name; give --format ({})",
                args.file.display(),
                Format::NAMES
            )
        })?,
    };
    let limits = crate::analytics::DuckdbLimits {
        threads: args
            .duckdb_threads
            .unwrap_or(crate::analytics::DuckdbLimits::default().threads),
        ..crate::analytics::DuckdbLimits::default()
    };
    let bar = ProgressBar::new(0);
    let bytes = ProgressStyle::with_template(
        "{msg:>12} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    )?
    .progress_chars("=> ");
    let spinner = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")?;
    let started = std::time::Instant::now();
    let summary = crate::appliance::import_offline(
        &args.data_dir,
        &limits,
        args.tenant.as_deref(),
        &args.dataset,
        &args.file,
        format,
        &mut |step| match step {
            OfflineProgress::Copying { done, total } => {
                if bar.length() != Some(total) {
                    bar.set_style(bytes.clone());
                    bar.set_length(total);
                    bar.set_message("staging");
                }
                bar.set_position(done);
            }
            OfflineProgress::Import(Progress::Reading) => {
                bar.set_style(spinner.clone());
                bar.set_message(format!("reading {}", args.file.display()));
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
            }
            OfflineProgress::Import(Progress::Validating { rows }) => {
                bar.set_message(format!("checking {rows} rows against `{}`", args.dataset));
            }
            OfflineProgress::Import(Progress::Appending { done, total }) => {
                bar.set_message(if done < total {
                    format!("appending {total} rows")
                } else {
                    format!("appended {total} rows")
                });
            }
            OfflineProgress::Import(Progress::Refreshing { rollup }) => {
                bar.set_style(spinner.clone());
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar.set_message(format!("refreshing rollup `{rollup}`"));
            }
        },
    );
    bar.finish_and_clear();
    let summary = summary?;
    println!(
        "imported {} rows into `{}` in {:.1} s (read and check {} ms, write {} ms)",
        summary.rows,
        summary.dataset,
        started.elapsed().as_secs_f64(),
        summary.read_ms,
        summary.write_ms
    );
    for rollup in &summary.rollups {
        println!(
            "  rollup `{}`: {} ({} rows, {} ms)",
            rollup.name,
            if rollup.mode == "build" {
                "built"
            } else {
                "refreshed"
            },
            rollup.rows,
            rollup.ms
        );
    }
    Ok(())
}

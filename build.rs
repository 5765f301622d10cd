//! Builds the web UI (`web/`) with npm and Vite into `$OUT_DIR/web`, where `rust-embed` picks it
//! up, and writes a gzip copy beside each text file so the server never compresses at run time.
//!
//! Cargo reruns this only when a file under `web/` that the UI build reads has changed.
//! `npm ci` runs when `node_modules` is missing or older than the lockfile.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::Compression;
use flate2::write::GzEncoder;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let web = manifest.join("web");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("web");
    for input in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed=web/{input}");
    }

    let installed = web.join("node_modules").join(".package-lock.json");
    let lockfile = web.join("package-lock.json");
    if is_older(&installed, &lockfile) {
        npm(&web, &["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
    }
    let out_arg = out.to_str().expect("OUT_DIR is valid UTF-8");
    npm(
        &web,
        &["run", "build", "--", "--outDir", out_arg, "--emptyOutDir"],
    );
    compress_tree(&out);
}

/// True when `file` is missing or was modified before `than`.
fn is_older(file: &Path, than: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(file), modified(than)) {
        (Some(a), Some(b)) => a < b,
        _ => true,
    }
}

fn npm(dir: &Path, args: &[&str]) {
    let status = Command::new("npm").args(args).current_dir(dir).status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => panic!(
            "`npm {}` in {} failed ({status}); the web UI build needs Node.js 20+ and npm, and the npm registry for `npm ci`",
            args.join(" "),
            dir.display()
        ),
        Err(error) => panic!(
            "could not run npm ({error}); install Node.js 20+ with npm (Debian: `apt-get install nodejs npm`) to build the web UI"
        ),
    }
}

fn compress_tree(dir: &Path) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            compress_tree(&path);
            continue;
        }
        let compressible = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("js" | "css" | "html" | "svg" | "json" | "txt")
        );
        if !compressible {
            continue;
        }
        let data = fs::read(&path).expect("read built asset");
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&data).expect("gzip in memory");
        let gz = encoder.finish().expect("gzip in memory");
        let mut target = path.clone().into_os_string();
        target.push(".gz");
        fs::write(&target, gz).expect("write gzip asset");
    }
}

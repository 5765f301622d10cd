//! The web UI's own checks, in the one test command: its lint rules, its formatting and its
//! unit tests (Vitest). `build.rs` has installed `web/node_modules` by the time tests run.

use std::process::Command;

fn npm(script: &str) {
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let output = Command::new("npm")
        .args(["run", "--silent", script])
        .current_dir(&web)
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .output()
        .expect("npm runs");
    assert!(
        output.status.success(),
        "`npm run {script}` in web/ failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_ui_passes_its_lint_rules() {
    npm("lint");
}

#[test]
fn the_ui_is_formatted() {
    npm("format:check");
}

#[test]
fn the_ui_unit_tests_pass() {
    npm("test");
}

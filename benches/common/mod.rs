//! Set-up shared by the in-process benchmarks: a demo appliance in a directory, and the grant
//! of a signed-in person, as the HTTP handlers would pass it.

use std::net::Ipv4Addr;
use std::path::Path;

use flexboard::appliance::Credential;
use flexboard::identity::policy::Grant;
use flexboard::{Appliance, Config};

/// The super-admin every benchmark appliance is created with.
pub const ADMIN: &str = "bench@example.com";
pub const PASSWORD: &str = "a bench admin passphrase";

/// Opens an appliance on `data_dir` with a demo of `rows` sales rows (generated on first open).
pub fn open_demo(data_dir: &Path, rows: u64) -> Appliance {
    let mut config = Config::for_data_dir(data_dir);
    config.demo_rows = rows;
    // The same data on every run: sales FY 2023-24 to 2025-26, operations to 31 March 2026.
    config.demo_now = flexboard::config::parse_instant("2026-04-01T00:00:00Z").ok();
    config.admin_email = Some(ADMIN.into());
    config.admin_password = Some(PASSWORD.into());
    Appliance::open(&config).unwrap()
}

/// Signs `email` in and returns the grant of its current tenant.
pub fn grant_of(app: &Appliance, email: &str, password: &str) -> Grant {
    let login = app
        .login(email, password, Ipv4Addr::LOCALHOST.into(), None)
        .unwrap();
    let caller = app.authenticate(&Credential::Session(login.token)).unwrap();
    app.grant(&caller).unwrap()
}

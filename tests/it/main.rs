//! Flexboard's integration tests: one binary, a module per feature. Every test runs the real
//! server on 127.0.0.1:0: its own, with its own temporary data directory, or the one shared by
//! the tests whose state allows it (`TestServer::shared`). `client.rs` is a typed client.

mod access;
mod analytics;
mod api;
mod browser;
mod client;
mod data;
mod export;
mod hardening;
mod identity;
mod lifecycle;
mod support;
mod tidy;
mod versions;
mod web;

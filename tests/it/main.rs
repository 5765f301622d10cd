//! Flexboard's integration tests: one binary, a module per feature. Every test runs the real
//! server on 127.0.0.1:0 with its own temporary data directory.

mod access;
mod analytics;
mod api;
mod browser;
mod data;
mod hardening;
mod identity;
mod lifecycle;
mod support;
mod tidy;
mod versions;
mod web;

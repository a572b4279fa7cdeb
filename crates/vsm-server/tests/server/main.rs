//! vsm-server's tests: each scenario runs on SQLite and on a real PostgreSQL (see
//! `common::postgres` for how to point them at one, or skip it).

mod access;
mod common;
mod deliveries;
mod future;
mod hardened;
mod hooks;
mod insights;
mod measured;
mod metrics;
mod pages;
mod pulls;
mod store;
mod streams;
mod workshop;

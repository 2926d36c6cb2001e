//! monoweb: a self-hosted web app and REST API for your own Monobank data.
//!
//! Layers, with dependencies pointing down only (`docs/architecture.md`; `tests/it/layers.rs`
//! fails on an import that points up or a cycle):
//! `cli → startup → {api, web, hooks} → http → services → {upstream, auth} → {db, crypto, cache}
//! → {domain, config, telemetry, i18n}`, all over the `monobank` crate.

pub mod api;
pub mod auth;
pub mod body_deadline;
pub mod cache;
pub mod cli;
pub mod compression;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod etag;
pub mod hooks;
pub mod http;
pub mod i18n;
pub mod prometheus;
pub mod request_id;
pub mod security_headers;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod upstream;
pub mod web;

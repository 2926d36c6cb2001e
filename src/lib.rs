//! monoweb: a self-hosted web app and REST API for your own Monobank data.
//!
//! Layers, with dependencies pointing down only:
//! `cli → startup → api → services → {db, auth, crypto}`; `config`, `error`, `clock` and
//! `telemetry` serve them all.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod hooks;
pub mod security_headers;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod upstream;
pub mod web;

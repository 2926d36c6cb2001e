//! Black-box tests: each test gets its own database (a fresh SQLite file, or a fresh PostgreSQL
//! database when `MONOWEB_TEST_POSTGRES_URL` is set) and talks to a real server on port 0 or to
//! the built `monoweb` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_keys;
mod auth;
mod browser;
mod cli;
mod edge;
mod hardening;
mod health;
mod helpers;
mod history;
mod hot;
mod insight;
mod installable;
mod languages;
mod layers;
mod metrics;
mod migrations;
mod model;
mod mono_views;
mod openapi;
mod outage;
mod pages;
mod provider;
mod races;
mod reconcile;
mod sandbox;
mod schema;
mod serve;
mod webhooks;

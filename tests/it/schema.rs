//! `src/db/schema.rs` is written by hand for both backends; this test proves that the migrations of
//! the backend under test produce exactly the tables, columns, types and nullability it declares.

use std::collections::BTreeMap;

use crate::helpers::{fresh_database, introspect, test_settings, Columns};

/// (table → [(column, diesel type)]) parsed from the `diesel::table!` blocks of schema.rs.
fn declared() -> BTreeMap<String, Vec<(String, String)>> {
    let text = include_str!("../../src/db/schema.rs");
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some((name, rest)) = line.split_once(" (") {
            if rest.ends_with('{') && !name.contains(' ') {
                current = Some(name.to_owned());
                tables.insert(name.to_owned(), Vec::new());
                continue;
            }
        }
        if let (Some(table), Some((col, ty))) = (&current, line.split_once(" -> ")) {
            let ty = ty.trim_end_matches(',').to_owned();
            tables.get_mut(table).unwrap().push((col.to_owned(), ty));
        }
        if line == "}" {
            current = None;
        }
    }
    tables
}

/// The type names each backend reports for a diesel type.
fn matches(diesel_type: &str, db_type: &str, sqlite: bool) -> bool {
    let accepted: &[&str] = match (diesel_type, sqlite) {
        ("BigInt", true) => &["BIGINT", "INTEGER"],
        ("BigInt", false) => &["bigint"],
        ("Integer", true) => &["INTEGER"],
        ("Integer", false) => &["integer"],
        ("Text", true) => &["TEXT"],
        ("Text", false) => &["text"],
        ("Bool", true) => &["BOOLEAN"],
        ("Bool", false) => &["boolean"],
        ("Binary", true) => &["BLOB"],
        ("Binary", false) => &["bytea"],
        (other, _) => panic!("extend the type map in tests/it/schema.rs for {other}"),
    };
    accepted.contains(&db_type)
}

#[tokio::test]
async fn schema_rs_matches_the_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path());
    // Building the app applies the migrations.
    monoweb::startup::Application::build(test_settings(dir.path(), &url))
        .await
        .unwrap();
    let sqlite = url.starts_with("sqlite://");
    let actual: BTreeMap<String, Columns> = introspect(&url);
    let declared = declared();
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        declared.keys().collect::<Vec<_>>(),
        "tables in the database vs schema.rs"
    );
    for (table, columns) in &declared {
        let got = &actual[table];
        assert_eq!(got.len(), columns.len(), "column count of {table}: {got:?}");
        for ((name, ty), (db_name, db_type, db_nullable)) in columns.iter().zip(got) {
            assert_eq!(name, db_name, "column order of {table}");
            let (nullable, inner) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (true, inner.trim_end_matches('>')),
                None => (false, ty.as_str()),
            };
            assert_eq!(nullable, *db_nullable, "nullability of {table}.{name}");
            assert!(
                matches(inner, db_type, sqlite),
                "{table}.{name}: {ty} vs {db_type}"
            );
        }
    }
}

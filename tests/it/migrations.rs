//! `monoweb migrate` and `monoweb migrate --revert-all` on the backend under test.

use crate::helpers::{fresh_database, introspect, run_monoweb};

#[test]
fn migrations_go_up_down_and_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path());
    let env = [("MONOWEB_DATABASE_URL", url.as_str())];
    let run = |args: &[&str]| {
        let out = run_monoweb(dir.path(), &env, args, "");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&["migrate"]).contains("applied 20261129000001"));
    assert!(introspect(&url).contains_key("users"));
    assert!(run(&["migrate"]).contains("nothing to do"));
    assert!(run(&["migrate", "--revert-all"]).contains("reverted 20261129000001"));
    assert!(introspect(&url).is_empty(), "every table dropped");
    assert!(run(&["migrate"]).contains("applied"));
    assert!(introspect(&url).contains_key("users"));
}

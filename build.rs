//! Marks the browser test as ignored (with the reason) when headless Chromium and its driver are
//! not installed, so that `cargo test` on a machine without them says what it skipped. CI installs
//! both and sets `MONOWEB_BROWSER_TESTS=required`, which makes their absence a build error.

use std::path::Path;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(browser_absent)");
    println!("cargo::rerun-if-env-changed=MONOWEB_BROWSER_TESTS");
    println!("cargo::rerun-if-changed=/usr/bin");
    println!("cargo::rerun-if-changed=build.rs");
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    let required = std::env::var("MONOWEB_BROWSER_TESTS").is_ok_and(|v| v == "required");
    if !present {
        assert!(
            !required,
            "MONOWEB_BROWSER_TESTS=required but {CHROMIUM} or {CHROMEDRIVER} is missing \
             (apt-get install chromium chromium-driver)"
        );
        println!("cargo::rustc-cfg=browser_absent");
    }
}

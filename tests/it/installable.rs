//! What a phone needs to install monoweb, and what a crawler or a monitor asks for: icons, a
//! web app manifest, a description, theme colours, and `HEAD` wherever `GET` answers.

use crate::helpers::TestApp;

/// `HEAD` answers as `GET` does, with the same status and length and no body.
async fn head_matches_get(app: &TestApp, path: &str, cookie: &str) {
    let get = app
        .client
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    let get_status = get.status();
    let get_type = get.headers().get("content-type").cloned();
    let get_body = get.bytes().await.unwrap();
    let head = app
        .client
        .head(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), get_status, "HEAD {path}");
    assert_eq!(
        head.headers().get("content-type").cloned(),
        get_type,
        "HEAD {path}"
    );
    if let Some(length) = head.headers().get("content-length") {
        assert_eq!(
            length.to_str().unwrap(),
            get_body.len().to_string(),
            "HEAD {path} announces the GET's length"
        );
    }
    assert!(
        head.bytes().await.unwrap().is_empty(),
        "HEAD {path} has no body"
    );
}

#[tokio::test]
async fn every_get_route_answers_head_without_a_body() {
    let (app, sandbox) = TestApp::builder().start_with_sandbox(100.0).await;
    let cookie = app.with_token(&sandbox, 0, "olena").await;
    for path in [
        "/",
        "/statement",
        "/months",
        "/rates",
        "/token",
        "/token/remove",
        "/webhook",
        "/settings",
        "/admin",
        "/static/app.css",
        "/static/icon.svg",
        "/favicon.ico",
        "/manifest.webmanifest",
        "/healthz",
        "/api/mono",
        "/api/mono/currencies",
        "/no-such-page",
    ] {
        head_matches_get(&app, path, &cookie).await;
    }
    for path in ["/login", "/register"] {
        head_matches_get(&app, path, "").await;
    }
    // A method no route takes is still refused.
    let res = app
        .client
        .request(reqwest::Method::PATCH, app.url("/settings"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}

/// The width and height of a PNG, from its header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[tokio::test]
async fn the_pages_name_their_icons_and_a_manifest_that_installs() {
    let app = TestApp::builder().start().await;
    let login = app.get("/login").await.text().await.unwrap();
    for tag in [
        r#"<link rel="manifest" href="/manifest.webmanifest">"#,
        r#"<link rel="icon" href="/static/icon.svg" type="image/svg+xml">"#,
        r#"<link rel="apple-touch-icon" href="/static/apple-touch-icon.png">"#,
        r##"<meta name="theme-color" content="#11161d">"##,
        r#"<meta name="description" content="monoweb: your own Monobank"#,
    ] {
        assert!(login.contains(tag), "the login page lacks {tag}");
    }
    let res = app.get("/manifest.webmanifest").await;
    assert_eq!(res.headers()["content-type"], "application/manifest+json");
    let manifest: serde_json::Value = res.json().await.unwrap();
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["lang"], "en", "in the reader's language");
    let icons = manifest["icons"].as_array().unwrap();
    let mut sizes = Vec::new();
    for icon in icons {
        let res = app.get(icon["src"].as_str().unwrap()).await;
        assert_eq!(res.status(), 200, "{icon}");
        assert_eq!(
            res.headers()["content-type"],
            icon["type"].as_str().unwrap()
        );
        let body = res.bytes().await.unwrap();
        if icon["type"] == "image/png" {
            let (w, h) = png_size(&body);
            assert_eq!(
                format!("{w}x{h}"),
                icon["sizes"].as_str().unwrap(),
                "{icon}"
            );
            sizes.push(w);
        }
    }
    assert!(sizes.contains(&192) && sizes.contains(&512), "{sizes:?}");
    let touch = app
        .get("/static/apple-touch-icon.png")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(png_size(&touch), (180, 180));
    let favicon = app.get("/favicon.ico").await;
    assert_eq!(favicon.headers()["content-type"], "image/x-icon");
    let ico = favicon.bytes().await.unwrap();
    assert_eq!(&ico[..4], b"\x00\x00\x01\x00", "an ICO file");
    assert_eq!(png_size(&ico[22..]), (32, 32), "holding the 32-pixel PNG");
}

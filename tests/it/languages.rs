//! The pages in Ukrainian and English: the catalogs agree, no template writes words of its own,
//! every page renders in both languages, and the language is chosen as `docs/languages.md`
//! says (the user's setting, else the visitor's cookie, else `Accept-Language`, else Ukrainian).

use std::collections::BTreeSet;
use std::path::Path;

use crate::helpers::{session_cookie, TestApp};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The message ids of a catalog (a line `id = …` that starts a message), in order.
fn id_list(catalog: &str) -> Vec<String> {
    catalog
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" = ").or_else(|| l.split_once(" =")))
        .map(|(id, _)| id.trim().to_owned())
        .collect()
}

fn ids(catalog: &str) -> BTreeSet<String> {
    id_list(catalog).into_iter().collect()
}

fn catalog(lang: &str) -> String {
    std::fs::read_to_string(root().join(format!("src/i18n/{lang}.ftl"))).unwrap()
}

#[test]
fn the_two_catalogs_parse_and_hold_the_same_messages() {
    for lang in ["uk", "en"] {
        let parsed = fluent_bundle::FluentResource::try_new(catalog(lang));
        assert!(
            parsed.is_ok(),
            "{lang}.ftl: {:?}",
            parsed.err().map(|e| e.1)
        );
    }
    for lang in ["uk", "en"] {
        // Fluent keeps the first of two messages with one id: the second would never show.
        let list = id_list(&catalog(lang));
        let mut seen = BTreeSet::new();
        let twice: Vec<_> = list.iter().filter(|id| !seen.insert(*id)).collect();
        assert!(
            twice.is_empty(),
            "{lang}.ftl defines these twice: {twice:?}"
        );
    }
    let (uk, en) = (ids(&catalog("uk")), ids(&catalog("en")));
    assert!(en.len() > 300, "the catalog reader found {} ids", en.len());
    let only_uk: Vec<_> = uk.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&uk).collect();
    assert!(
        only_uk.is_empty() && only_en.is_empty(),
        "only in uk.ftl: {only_uk:?}; only in en.ftl: {only_en:?}"
    );
}

/// Drops `{# … #}`, `{% … %}` and `{{ … }}` from a template.
fn without_template_code(source: &str) -> String {
    let mut out = String::new();
    let mut rest = source;
    while let Some(start) = rest.find(['{']) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let close = match tail.get(..2) {
            Some("{#") => "#}",
            Some("{%") => "%}",
            Some("{{") => "}}",
            _ => {
                out.push('{');
                rest = &tail[1..];
                continue;
            }
        };
        match tail.find(close) {
            Some(end) => rest = &tail[end + 2..],
            None => panic!("an unclosed {close} in a template"),
        }
        // What template code printed is not the template's own words.
        out.push(' ');
    }
    out.push_str(rest);
    out
}

/// The words a template shows of its own: text between tags and the attributes people read.
fn own_words(source: &str) -> Vec<String> {
    let html = without_template_code(source);
    let mut words = Vec::new();
    let mut rest = html.as_str();
    while let Some(open) = rest.find('<') {
        words.push(rest[..open].to_owned());
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open..open + close];
        for attribute in [
            "title",
            "placeholder",
            "aria-label",
            "alt",
            "content",
            "value",
        ] {
            let pattern = format!(" {attribute}=\"");
            if let Some(at) = tag.find(&pattern) {
                let value = &tag[at + pattern.len()..];
                let value = value.split('"').next().unwrap_or_default();
                // A meta tag's `content` and a form value are words only in a few places.
                let read = match attribute {
                    "content" => tag.contains("name=\"description\""),
                    "value" => tag.contains("type=\"submit\"") || tag.contains("type=\"button\""),
                    _ => true,
                };
                if read {
                    words.push(value.to_owned());
                }
            }
        }
        // `<style>`, `<script>` and SVG drawing code hold no words.
        rest = &rest[open + close + 1..];
    }
    words.push(rest.to_owned());
    words
        .into_iter()
        .map(|w| w.trim().to_owned())
        // The product's name and the bank's account-number acronym are not translated.
        .filter(|w| {
            w.split(|c: char| !c.is_alphanumeric()).any(|word| {
                word.chars().any(char::is_alphabetic) && !matches!(word, "monoweb" | "IBAN")
            })
        })
        .collect()
}

#[test]
fn no_template_writes_words_outside_the_catalogs() {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root().join("templates")).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for words in own_words(&source) {
            found.push(format!("{}: {words:?}", path.display()));
        }
    }
    assert!(
        found.is_empty(),
        "words outside the catalogs:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_word_check_sees_text_titles_and_placeholders() {
    let caught = own_words(
        r#"<p>Hello {{ name }}</p><a title="Show it">{{ t("x") }}</a><input placeholder="Type">
           <button type="submit" value="go">{{ t("y") }}</button><p>{% if a %}{{ b }}{% endif %} · 5</p>"#,
    );
    assert_eq!(caught, ["Hello", "Show it", "Type", "go"]);
}

/// Every message id a template or the pages' code names, e.g. `t("nav-dashboard")`.
fn used_ids() -> BTreeSet<String> {
    let mut sources = Vec::new();
    for dir in ["templates", "src/web", "src/http"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                sources.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let mut used = BTreeSet::new();
    for source in sources {
        for call in ["t(\"", "t1(\"", "t2(\"", "t3(\"", "ta(\""] {
            for (at, _) in source.match_indices(call) {
                // `t(` itself, not the end of another name (`parse_amount(`).
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let id: String = source[at + call.len()..]
                    .chars()
                    .take_while(|c| *c != '"')
                    .collect();
                // Ids built at run time (`format!("{id}-yours")`) are checked by the pages.
                if !id.contains('{') && !id.is_empty() {
                    used.insert(id);
                }
            }
        }
    }
    used
}

#[test]
fn every_message_the_pages_name_is_in_both_catalogs() {
    let used = used_ids();
    assert!(used.len() > 200, "the reader found {} ids", used.len());
    for lang in ["uk", "en"] {
        let have = ids(&catalog(lang));
        let missing: Vec<_> = used.difference(&have).collect();
        assert!(missing.is_empty(), "missing from {lang}.ftl: {missing:?}");
    }
}

/// A page as a browser asking for `accept` gets it.
async fn page_in(app: &TestApp, path: &str, cookie: &str, accept: &str) -> (String, String) {
    let res = app
        .client
        .get(app.url(path))
        .header("Cookie", cookie)
        .header("Accept-Language", accept)
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "{path} in {accept}: {}",
        res.status()
    );
    let language = res
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (language, res.text().await.unwrap())
}

#[tokio::test]
async fn every_page_renders_in_both_languages() {
    // The first user is the admin, so the admin page is among the pages.
    let (app, sandbox) = TestApp::builder().start_with_sandbox(100.0).await;
    let cookie = app.with_token(&sandbox, 0, "olena").await;
    let pages = [
        ("/", "Огляд", "Dashboard"),
        ("/statement", "Пошук і фільтри", "Search and filters"),
        (
            "/months",
            "Надходження й витрати за місяцями",
            "Money in and out per month",
        ),
        ("/rates", "Курси валют", "Exchange rates"),
        ("/token", "Токен Монобанку", "Monobank token"),
        ("/webhook", "Або власний URL", "Or your own URL"),
        ("/settings", "Активні сеанси", "Active sessions"),
        ("/admin", "Останній вхід", "Last login"),
        ("/token/remove", "Залишити", "Keep it"),
    ];
    for (path, ukrainian, english) in pages {
        for (accept, lang, expected, other) in [
            ("uk-UA,uk;q=0.9", "uk", ukrainian, english),
            ("en-GB,en;q=0.8", "en", english, ukrainian),
        ] {
            let (language, body) = page_in(&app, path, &cookie, accept).await;
            assert_eq!(language, lang, "{path}");
            assert!(body.contains(&format!("<html lang=\"{lang}\">")), "{path}");
            assert!(
                !body.contains('⟦'),
                "{path} in {lang} names a missing message"
            );
            assert!(
                body.contains(expected),
                "{path} in {lang} lacks {expected:?}"
            );
            assert!(!body.contains(other), "{path} in {lang} holds {other:?}");
        }
    }
    // Currencies have Ukrainian names, and the filter finds them by either name.
    for q in ["злотий", "zloty"] {
        let (_, body) = page_in(&app, &format!("/rates?q={q}"), &cookie, "uk").await;
        assert!(
            body.contains(">PLN</abbr>") && !body.contains(">USD</abbr>/"),
            "{q}"
        );
        assert!(body.contains("Польський злотий"), "{q}");
    }
    // The visitors' pages and an error page too.
    for (path, ukrainian) in [
        ("/login", "Увійти"),
        ("/register", "Створити обліковий запис"),
    ] {
        let (language, body) = page_in(&app, path, "", "uk").await;
        assert_eq!(language, "uk");
        assert!(body.contains(ukrainian) && !body.contains('⟦'), "{path}");
    }
    let res = app
        .client
        .get(app.url("/no-such-page"))
        .header("Cookie", &cookie)
        .header("Accept-Language", "uk")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body = res.text().await.unwrap();
    assert!(body.contains("Сторінку не знайдено"), "{body}");
    assert!(body.contains("За цією адресою нічого немає"), "{body}");
}

#[tokio::test]
async fn the_language_is_the_setting_else_the_cookie_else_the_browser_else_ukrainian() {
    let app = TestApp::builder().start().await;
    let lang_of = |body: &str| {
        let at = body.find("<html lang=\"").unwrap() + 12;
        body[at..at + 2].to_owned()
    };
    // No Accept-Language at all: Ukrainian.
    let plain = reqwest::Client::new();
    let body = plain.get(app.url("/login")).send().await.unwrap();
    assert_eq!(body.headers()["content-language"], "uk");
    assert_eq!(lang_of(&body.text().await.unwrap()), "uk");
    // A language we do not have: Ukrainian too; one we have: that one.
    let (_, body) = page_in(&app, "/login", "", "de-DE,de;q=0.9").await;
    assert_eq!(lang_of(&body), "uk");
    let (_, body) = page_in(&app, "/login", "", "de,en;q=0.5").await;
    assert_eq!(lang_of(&body), "en");

    // A visitor picks English at the foot of the login page: a cookie keeps it against the
    // browser's Ukrainian.
    let (guest, csrf) = app.guest_form("/login", "uk").await;
    let res = app
        .client
        .post(app.url("/language"))
        .header("Cookie", &guest)
        .header("Sec-Fetch-Site", "same-origin")
        .header("Referer", app.url("/login?next=/rates"))
        .form(&[("csrf", csrf.as_str()), ("language", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // The menu's form names no `next`: the answer goes back to the page that posted it.
    assert_eq!(res.headers()["location"], "/login?next=/rates");
    let set = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.starts_with("monoweb_lang=en;"), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("Max-Age="),
        "{set}"
    );
    let chosen = format!("{guest}; monoweb_lang=en");
    let (_, body) = page_in(&app, "/login", &chosen, "uk").await;
    assert_eq!(lang_of(&body), "en");
    // A made-up language is refused and changes nothing.
    let res = app
        .client
        .post(app.url("/language"))
        .header("Cookie", &guest)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("csrf", csrf.as_str()), ("language", "xx")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("set-cookie").is_none());

    // A user's setting beats both, on every device, until they give it back to the browser.
    let cookie = app.logged_in("taras").await;
    let csrf = app.form_token("/settings", &cookie).await;
    let res = app
        .post_form_as(
            "/language",
            &cookie,
            &[
                ("csrf", csrf.as_str()),
                ("language", "uk"),
                ("next", "/settings"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let cookie = session_cookie(&res).unwrap_or(cookie);
    let (_, body) = page_in(
        &app,
        "/settings",
        &format!("{cookie}; monoweb_lang=en"),
        "en",
    )
    .await;
    assert_eq!(lang_of(&body), "uk");
    assert!(
        body.contains("Тепер сторінки українською."),
        "the flash, in the new language"
    );
    assert!(
        body.contains("value=\"uk\" checked"),
        "the setting is shown chosen"
    );
    let other_device = app.login("taras", crate::helpers::PASSWORD).await;
    let (_, body) = page_in(&app, "/", &other_device, "en-US").await;
    assert_eq!(lang_of(&body), "uk");
    let csrf = app.form_token("/settings", &cookie).await;
    let res = app
        .post_form_as(
            "/language",
            &cookie,
            &[("csrf", csrf.as_str()), ("language", "auto")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, body) = page_in(&app, "/", &other_device, "en-US").await;
    assert_eq!(lang_of(&body), "en");
    // The JSON API keeps its English.
    let res = app
        .client
        .post(app.url("/api/mono"))
        .header("Cookie", &other_device)
        .header("Accept-Language", "uk")
        .json(&serde_json::json!({"mono_token": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let detail = res.text().await.unwrap();
    assert!(
        detail.contains("A Monobank token is 44 characters"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_form_error_is_shown_in_the_pages_language() {
    let app = TestApp::builder().start().await;
    let (guest, csrf) = app.guest_form("/login", "uk").await;
    let res = app
        .client
        .post(app.url("/login"))
        .header("Cookie", &guest)
        .header("Sec-Fetch-Site", "same-origin")
        .header("Accept-Language", "uk")
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "nobody"),
            ("password", "wrong password"),
        ])
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Неправильне ім’я користувача або пароль."),
        "{body}"
    );
}

/// The text of the element with `id` (its first text run).
fn link_text<'a>(body: &'a str, id: &str) -> Option<&'a str> {
    let at = body.find(&format!("id=\"{id}\">"))? + id.len() + 6;
    body[at..].split('<').next()
}

#[tokio::test]
async fn month_links_step_out_of_either_end_of_a_custom_range() {
    let (app, sandbox) = TestApp::builder().start_with_sandbox(100.0).await;
    let cookie = app.with_token(&sandbox, 0, "olena").await;
    let (_, body) = page_in(
        &app,
        "/statement?account=all&from=2026-09-10&to=2026-11-20",
        &cookie,
        "en",
    )
    .await;
    assert_eq!(
        link_text(&body, "previous-month"),
        Some("← August 2026"),
        "before the first day"
    );
    assert_eq!(
        link_text(&body, "next-month"),
        Some("December 2026 →"),
        "after the last day"
    );
    // The previous month's link is that whole month, in the page's language too.
    let (_, body) = page_in(
        &app,
        "/statement?account=all&from=2026-09-10&to=2026-11-20",
        &cookie,
        "uk",
    )
    .await;
    assert_eq!(link_text(&body, "previous-month"), Some("← Серпень 2026"));
    assert!(
        body.contains("from=2026-08-01&#38;to=2026-08-31"),
        "a whole month"
    );
}

#[tokio::test]
async fn registering_on_the_page_counts_as_the_first_login() {
    let app = TestApp::builder().start().await;
    let (guest, csrf) = app.guest_form("/register", "en").await;
    let res = app
        .post_form_as(
            "/register",
            &guest,
            &[
                ("csrf", csrf.as_str()),
                ("username", "olena"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let cookie = session_cookie(&res).unwrap();
    let admin = app.get_as("/admin", &cookie).await.text().await.unwrap();
    assert!(
        !admin.contains(">never<"),
        "the new admin is logged in: {admin}"
    );
}

//! The OpenAPI document lists every `/api` route with its schemas, and Swagger UI is served from
//! the binary (no network).

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_openapi_document_parses_and_lists_every_api_route() {
    let app = TestApp::builder().start().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/api/auth/register", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/logout", "post"),
        ("/api/auth/me", "get"),
        ("/api/auth/password", "post"),
        ("/api/mono", "get"),
        ("/api/mono", "post"),
        ("/api/mono", "put"),
        ("/api/mono", "delete"),
        ("/api/mono/currencies", "get"),
        ("/api/mono/currency", "get"),
        ("/api/mono/currency", "post"),
        ("/api/mono/client-info", "get"),
        ("/api/mono/balance", "get"),
        ("/api/mono/statement", "post"),
        ("/api/mono/webhook", "post"),
        ("/api/openapi.json", "get"),
    ];
    for (path, method) in expected {
        let op = &paths[path][method];
        assert!(op.is_object(), "{method} {path} is documented");
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path} responses"
        );
        // Every documented route exists: it does not answer 404 or 405.
        let res = app
            .client
            .request(method.to_uppercase().parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert!(
            ![404, 405].contains(&res.status().as_u16()),
            "{method} {path} answered {}",
            res.status()
        );
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "MonoTokenSerializer",
        "MonoPeriodSerializer",
        "WebhookSerializer",
        "MonoCurrencySerializer",
        "RegisterRequest",
        "LoginRequest",
        "Failure",
        "BalanceAnswer",
        "StatementItem",
        "Money",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
    assert_eq!(schemas["MonoTokenSerializer"]["required"][0], "mono_token");
    let login_body = &paths["/api/auth/login"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]["$ref"];
    assert_eq!(login_body, "#/components/schemas/LoginRequest");
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::builder().start().await;
    for path in ["/api/docs", "/api/docs/"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("swagger-ui") && !html.contains("http://") && !html.contains("https://"),
            "no CDN: {html}"
        );
    }
    for asset in [
        "/api/docs/swagger-ui-bundle.js",
        "/api/docs/swagger-ui.css",
        "/api/docs/index.css",
        "/api/docs/swagger-initializer.js",
    ] {
        let res = app.get(asset).await;
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
    }
    let init = app
        .get("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/openapi.json"));
    assert_eq!(
        app.get("/api/docs/nope.js").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn every_parameter_is_where_the_server_reads_it() {
    let app = TestApp::builder().start().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap();
                match param["in"].as_str().unwrap() {
                    "path" => assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: path parameter {name} is not in the path"
                    ),
                    "query" => {}
                    // The conditional reads' tag (`crate::etag`).
                    "header" => assert_eq!(name, "If-None-Match", "{method} {path}"),
                    other => panic!("{method} {path}: {name} in {other}"),
                }
            }
        }
    }
    let params = &doc["paths"]["/api/mono/statement.csv"]["get"]["parameters"];
    let mut query: Vec<&str> = params
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    query.sort_unstable();
    assert_eq!(
        query,
        [
            "account",
            "category",
            "direction",
            "from",
            "max",
            "min",
            "q",
            "sort",
            "to"
        ]
    );
    let names = |path: &str| -> Vec<String> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("/api/mono/summary"), ["from", "to", "If-None-Match"]);
    // The statement's pages, on the JSON form only.
    let names = names("/api/mono/statement");
    assert!(
        names.iter().any(|n| n == "limit") && names.iter().any(|n| n == "cursor"),
        "{names:?}"
    );
}

/// Where a schema says nothing of its values (`{}`, or an object with no properties), a generated
/// client can only type them as `Any`.
fn untyped(node: &Value, at: &str, found: &mut Vec<String>) {
    let Some(map) = node.as_object() else { return };
    let typed = ["$ref", "type", "allOf", "oneOf", "anyOf", "enum", "const"]
        .iter()
        .any(|k| map.contains_key(*k));
    if !typed {
        found.push(at.to_owned());
    }
    if map.get("type").is_some_and(|t| t == "object")
        && !map.contains_key("properties")
        && !map.contains_key("additionalProperties")
    {
        found.push(format!("{at} (an object of anything)"));
    }
    for (key, value) in map {
        match key.as_str() {
            "properties" => {
                for (name, prop) in value.as_object().into_iter().flatten() {
                    untyped(prop, &format!("{at}.{name}"), found);
                }
            }
            "items" | "additionalProperties" => untyped(value, &format!("{at}[]"), found),
            "allOf" | "oneOf" | "anyOf" => {
                for (i, part) in value.as_array().into_iter().flatten().enumerate() {
                    untyped(part, &format!("{at}/{key}{i}"), found);
                }
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn every_answer_and_its_every_field_has_a_type() {
    let app = TestApp::builder().start().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let mut found = Vec::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        untyped(schema, name, &mut found);
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    let at = format!("{method} {path} {status} {media}");
                    untyped(&content["schema"], &at, &mut found);
                    // A JSON answer is a named schema, so clients name its type, and it is the
                    // envelope (a name given twice would leave one of them).
                    if media == "application/json" {
                        let name = content["schema"]["$ref"]
                            .as_str()
                            .unwrap_or_else(|| panic!("{at} is not named"))
                            .trim_start_matches("#/components/schemas/");
                        let schema = &doc["components"]["schemas"][name];
                        for field in ["code", "detail"] {
                            assert!(
                                schema["properties"][field].is_object(),
                                "{at}: {name} has no {field}"
                            );
                        }
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "untyped: {found:#?}");
}

/// The document as checked in, so that API changes show in review.
const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

#[tokio::test]
async fn the_served_document_is_the_one_checked_in() {
    let app = TestApp::builder().start().await;
    let served: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    if std::env::var_os("MONOWEB_WRITE_OPENAPI").is_some() {
        let text = serde_json::to_string_pretty(&served).unwrap() + "\n";
        std::fs::write(CHECKED_IN, text).unwrap();
    }
    let checked_in: Value =
        serde_json::from_str(&std::fs::read_to_string(CHECKED_IN).unwrap()).unwrap();
    assert!(
        served == checked_in,
        "the API's document changed: review it, then write it to docs/openapi.json with \
         `MONOWEB_WRITE_OPENAPI=1 cargo test --test it openapi::the_served_document`"
    );
}

/// One request body the server accepts as far as validation goes, to vary a field at a time.
struct Baseline {
    path: &'static str,
    schema: &'static str,
    body: Value,
    logged_in: bool,
}

/// The length or range rules the document declares for every field of the request bodies are
/// the ones the serializers apply: just outside a bound the server answers 400 naming the field,
/// at the bound it does not refuse the field for that reason.
#[tokio::test]
async fn the_documented_bounds_are_the_serializers_bounds() {
    use serde_json::json;
    let (app, sandbox) = TestApp::builder().start_with_sandbox(1.0).await;
    let cookie = app.logged_in("bounds").await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let baselines = [
        Baseline {
            path: "/api/auth/login",
            schema: "LoginRequest",
            body: json!({"username": "nobody", "password": "wrong password"}),
            logged_in: false,
        },
        Baseline {
            path: "/api/auth/register",
            schema: "RegisterRequest",
            body: json!({"username": "fresh", "password": "Qz7!mP2@xL9#vB4$"}),
            logged_in: false,
        },
        Baseline {
            path: "/api/auth/password",
            schema: "PasswordRequest",
            body: json!({"current_password": "wrong", "new_password": "Qz7!mP2@xL9#vB4$"}),
            logged_in: true,
        },
        Baseline {
            path: "/api/auth/keys",
            schema: "NewKeyRequest",
            body: json!({"name": "bounds key", "scope": "read"}),
            logged_in: true,
        },
        Baseline {
            path: "/api/mono/currency",
            schema: "MonoCurrencySerializer",
            body: json!({"currency": "USDUAH"}),
            logged_in: true,
        },
        Baseline {
            path: "/api/mono/statement",
            schema: "MonoPeriodSerializer",
            body: json!({"period": 1}),
            logged_in: true,
        },
        Baseline {
            path: "/api/mono",
            schema: "MonoTokenSerializer",
            body: json!({"mono_token": sandbox.tokens[0].token}),
            logged_in: true,
        },
    ];
    let mut checked = 0;
    for (n, base) in baselines.iter().enumerate() {
        let props = doc["components"]["schemas"][base.schema]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{} is documented", base.schema));
        for (field, rules) in props {
            let text = |len: u64| Value::String("a".repeat(len as usize));
            let mut cases: Vec<(Value, bool)> = Vec::new();
            if let Some(min) = rules["minLength"].as_u64() {
                if min > 0 {
                    cases.push((text(min - 1), false));
                }
                cases.push((text(min), true));
            }
            if let Some(max) = rules["maxLength"].as_u64() {
                cases.push((text(max + 1), false));
                cases.push((text(max), true));
            }
            if let Some(pattern) = rules["pattern"].as_str() {
                // The shortest allowed length, in characters the documented pattern refuses.
                let len = rules["minLength"].as_u64().unwrap_or(1).max(1) as usize;
                let shape = regex::Regex::new(pattern).unwrap();
                let refused = ["!", "\u{1}"]
                    .map(|c| c.repeat(len))
                    .into_iter()
                    .find(|text| !shape.is_match(text))
                    .unwrap_or_else(|| panic!("{field}: no sample breaks {pattern}"));
                cases.push((Value::String(refused), false));
            }
            if let Some(min) = rules["minimum"].as_i64() {
                cases.push((json!(min - 1), false));
                cases.push((json!(min), true));
            }
            if let Some(max) = rules["maximum"].as_i64() {
                cases.push((json!(max + 1), false));
                cases.push((json!(max), true));
            }
            let mut refusal = None;
            for (value, allowed) in cases {
                let mut body = base.body.clone();
                body[field] = value.clone();
                if field == "username" && base.schema == "RegisterRequest" && allowed {
                    // A name of its own for each registration.
                    let len = value.as_str().unwrap().len();
                    body[field] = json!(format!("u{n}{}", "b".repeat(len - 2)));
                }
                let res = app
                    .post_json(base.path, &body, base.logged_in.then_some(cookie.as_str()))
                    .await;
                let status = res.status().as_u16();
                let answer: Value = res.json().await.unwrap_or_default();
                let message = answer["errors"][field][0].clone();
                if allowed {
                    assert!(
                        status != 400 || Some(&message) != refusal.as_ref(),
                        "{} {field}={value}: within the documented bounds, refused: {answer}",
                        base.path
                    );
                } else {
                    assert_eq!(status, 400, "{} {field}={value}: {answer}", base.path);
                    assert!(message.is_string(), "{} {field}: {answer}", base.path);
                    refusal = Some(message);
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "{checked} cases");
}

#[tokio::test]
async fn the_sync_progress_is_sent_as_documented() {
    let (app, sandbox) = TestApp::builder().start_with_sandbox(1.0).await;
    let cookie = app.with_token(&sandbox, 1, "progress").await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let op = &doc["paths"]["/api/mono/sync"]["get"]["responses"]["200"];
    let reference = op["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap();
    let name = reference.rsplit('/').next().unwrap();
    let schema = &doc["components"]["schemas"][name];
    let mut documented: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    documented.sort_unstable();
    let sent: Value = app
        .get_as("/api/mono/sync", &cookie)
        .await
        .json()
        .await
        .unwrap();
    let mut keys: Vec<&str> = sent
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, documented, "{sent}");
}

#[tokio::test]
async fn the_documented_pair_pattern_takes_every_pair_the_server_takes() {
    use serde_json::json;
    let (app, sandbox) = TestApp::builder().start_with_sandbox(1.0).await;
    let cookie = app.with_token(&sandbox, 0, "pairs").await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let pattern = doc["components"]["schemas"]["MonoCurrencySerializer"]["properties"]["currency"]
        ["pattern"]
        .as_str()
        .expect("the pair's shape is documented");
    let shape = regex::Regex::new(pattern).unwrap();
    let samples = [
        "USDUAH",
        "usd-uah",
        "840/980",
        " USD/UAH ",
        "/USD//UAH/",
        "eur uah",
        "EUR_USD",
        "840980",
        "USD980",
        "0840/980",
        "usd\tuah",
        "US/UAH",
        "USDUA",
        "USD/USD",
        "€/UAH",
        "USD\t/UAH",
        "USD/UAH/EUR",
        "U$D/UAH",
        "12/980",
    ];
    let mut taken = 0;
    for raw in samples {
        let res = app
            .post_json(
                "/api/mono/currency",
                &json!({"currency": raw}),
                Some(&cookie),
            )
            .await;
        let status = res.status();
        if status == StatusCode::OK {
            taken += 1;
            assert!(shape.is_match(raw), "{raw:?} is taken but not documented");
        }
        if !shape.is_match(raw) {
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{raw:?} is outside the pattern"
            );
        }
    }
    assert!(taken >= 8, "{taken} of the samples were taken");
}

//! The `monobank` crate's examples, run against the sandbox on loopback: the rates example reads
//! the sandbox's list, and the webhook example's key check accepts an event the sandbox signed
//! and delivered, and refuses it once a byte of the body changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use monobank::clock::{Clock, ManualClock, SystemClock};
use monobank::{Client, MonoToken};
use monobank_sandbox::{Sandbox, SandboxConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[path = "../../monobank/examples/currencies.rs"]
#[allow(dead_code)]
mod currencies;
#[path = "../../monobank/examples/provider_access.rs"]
#[allow(dead_code)]
mod provider_access;
#[path = "../../monobank/examples/statement_year.rs"]
#[allow(dead_code)]
mod statement_year;
#[path = "../../monobank/examples/verify_webhook.rs"]
#[allow(dead_code)]
mod verify_webhook;

/// One request to the receiver: its `X-Sign` and body.
type Received = (Option<String>, Vec<u8>);

/// A webhook receiver on loopback that answers 200 to everything and hands on each POST.
async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                let (head, body_at) = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&data[..i]).to_string(), i + 4);
                    }
                };
                let header = |name: &str| {
                    head.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                    })
                };
                let length: usize = header("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                while data.len() < body_at + length {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                if head.starts_with("POST") {
                    let _ = tx.send((header("x-sign"), data[body_at..body_at + length].to_vec()));
                }
            });
        }
    });
    (url, rx)
}

/// A sandbox on loopback, serving in the background, on `clock`: a client of it, and its
/// clients' tokens and names.
fn sandbox(
    clock: monobank::clock::SharedClock,
) -> (Client, String, Vec<monobank_sandbox::TokenLine>) {
    let sandbox = Sandbox::start(SandboxConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        seed: 7,
        time_scale: 1.0,
        clock,
        approve_providers: true,
    })
    .unwrap();
    let base = format!("http://127.0.0.1:{}", sandbox.port());
    let tokens = sandbox.tokens();
    tokio::spawn(sandbox.run_until_stopped());
    (Client::new(base.parse().unwrap()).unwrap(), base, tokens)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_crates_examples_run_against_the_sandbox() {
    let (client, base, mut tokens) = sandbox(Arc::new(SystemClock));
    let token = tokens.remove(0).token;

    let rates = currencies::rates(&client).await.unwrap();
    assert!(
        rates.iter().any(|l| l.starts_with("USD/UAH buy ")),
        "{rates:?}"
    );

    let key = verify_webhook::signing_key(&client).await.unwrap();
    let (url, mut events) = receiver().await;
    let token = MonoToken::parse(&token).unwrap();
    client.set_webhook(&token, &url).await.unwrap();
    let created = reqwest::Client::new()
        .post(format!("{base}/sandbox/transactions"))
        .json(&serde_json::json!({"token": token.expose(), "amount": -12_345}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let (sign, body) = events.recv().await.expect("a delivery");
    let sign = sign.expect("a signed delivery");
    key.verify(&body, &sign)
        .expect("the sandbox's signature holds");
    let mut forged = body.clone();
    let last = forged.len() - 2;
    forged[last] ^= 1;
    assert!(
        key.verify(&forged, &sign).is_err(),
        "a changed body is refused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_year_example_reads_every_operation_of_the_year_once_a_minute() {
    let clock = ManualClock::at(1_780_000_000);
    let (client, _, mut tokens) = sandbox(clock.clone());
    let token = MonoToken::parse(&tokens.remove(0).token).unwrap();
    let start = clock.now();
    // The example waits by moving the clock both it and the sandbox read.
    let waited = std::sync::Mutex::new(Vec::new());
    let items = statement_year::year(&client, &token, &*clock, |secs| {
        waited.lock().unwrap().push(secs);
        clock.advance(secs);
        std::future::ready(())
    })
    .await
    .unwrap();
    let ids: std::collections::HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), items.len(), "every operation once");
    assert!(items.len() > 500, "more than one page: {}", items.len());
    assert!(items
        .iter()
        .all(|i| i.time >= start - 365 * 86_400 && i.time <= start));
    let waited = waited.into_inner().unwrap();
    assert!(
        waited.len() >= 12,
        "a year is at least 12 calls: {waited:?}"
    );
    assert!(waited.iter().all(|s| (1..=60).contains(s)), "{waited:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_example_waits_for_the_user_and_reads_their_accounts() {
    let (client, _, mut tokens) = sandbox(Arc::new(SystemClock));
    let expected = tokens.remove(1).name;
    let key = monobank::provider::ProviderKey::from_secret_bytes(&[9; 32]).unwrap();
    let registration = monobank::types::Registration {
        pubkey: key.public_pem_base64(),
        name: "Example".into(),
        description: "The crate's example".into(),
        contact_person: "Olena".into(),
        phone: "380671234567".into(),
        email: "olena@example.com".into(),
        logo: "iVBORw0KGgo=".into(),
    };
    client.register(&key, &registration).await.unwrap();
    let shown = std::sync::Mutex::new(None::<String>);
    let waits = std::sync::atomic::AtomicUsize::new(0);
    let info = provider_access::connect(
        &client,
        Arc::new(key),
        |url| *shown.lock().unwrap() = Some(url.to_owned()),
        |secs| {
            assert_eq!(secs, 5);
            waits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // The user accepts as the sandbox's second client while the example waits.
            let url = shown
                .lock()
                .unwrap()
                .clone()
                .expect("the accept URL was shown first");
            async move {
                let res = reqwest::Client::new()
                    .post(url)
                    .form(&[("client", "1")])
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success());
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(info.name, expected);
    assert!(!info.accounts.is_empty());
    assert_eq!(
        waits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "pending once, then granted"
    );
}

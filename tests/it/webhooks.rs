//! The sandbox's webhook protocol end to end against a small receiver: the verification GET,
//! a signed delivery, retries after the scaled delays, switched off after three failures.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use monobank::clock::SystemClock;
use monobank::signature::PublicKey;
use monobank::types::WebhookEvent;
use monobank::MonoError;

use crate::helpers::TestSandbox;

/// One request the receiver got.
#[derive(Clone)]
struct Hit {
    method: String,
    body: Vec<u8>,
    key_id: Option<String>,
    sign: Option<String>,
    at: Instant,
}

type Log = Arc<Mutex<Vec<Hit>>>;

struct Receiver {
    url: String,
    log: Log,
    failing: Arc<AtomicBool>,
}

impl Receiver {
    fn start() -> Receiver {
        let log: Log = Arc::default();
        let failing = Arc::new(AtomicBool::new(false));
        let (l, f) = (log.clone(), failing.clone());
        let server = HttpServer::new(move || {
            let (l, f) = (l.clone(), f.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (l, f) = (l.clone(), f.clone());
                async move {
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .map(|v| v.to_str().unwrap().to_owned())
                    };
                    l.lock().unwrap().push(Hit {
                        method: req.method().to_string(),
                        body: body.to_vec(),
                        key_id: header("X-Key-Id"),
                        sign: header("X-Sign"),
                        at: Instant::now(),
                    });
                    if req.method() == "POST" && f.load(Ordering::SeqCst) {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/mono/secret"),
            log,
            failing,
        }
    }

    fn posts(&self) -> Vec<Hit> {
        let log = self.log.lock().unwrap();
        log.iter().filter(|h| h.method == "POST").cloned().collect()
    }

    async fn wait_for_posts(&self, n: usize, limit: Duration) {
        let start = Instant::now();
        while self.posts().len() < n {
            assert!(
                start.elapsed() < limit,
                "only {} of {n} deliveries",
                self.posts().len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn new_transaction(sb: &TestSandbox, amount: i64) -> serde_json::Value {
    let res = sb
        .http
        .post(format!("{}/sandbox/transactions", sb.url))
        .json(&serde_json::json!({"token": sb.tokens[0].token, "amount": amount, "description": "Кава"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

#[tokio::test]
async fn webhook_verification_signed_delivery_retries_and_switch_off() {
    // Time scale 600: the retries at +60 s and +600 s come after 0.1 s and 1 s.
    let sb = TestSandbox::start(Arc::new(SystemClock), 600.0).await;
    let receiver = Receiver::start();
    let (client, token) = (sb.client(), sb.token(0));

    client.set_webhook(&token, &receiver.url).await.unwrap();
    let gets = receiver
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h.method == "GET")
        .count();
    assert_eq!(gets, 1, "Mono checks the URL with a GET");
    assert_eq!(
        client.client_info(&token).await.unwrap().web_hook_url,
        receiver.url
    );

    // A delivery, signed with the key /bank/sync publishes.
    let created = new_transaction(&sb, -4_200).await;
    receiver.wait_for_posts(1, Duration::from_secs(5)).await;
    let Hit {
        body, key_id, sign, ..
    } = receiver.posts()[0].clone();
    let event: WebhookEvent = serde_json::from_slice(&body).unwrap();
    assert_eq!(event.kind, "StatementItem");
    assert_eq!(
        event.data.statement_item.id,
        created["statementItem"]["id"].as_str().unwrap()
    );
    assert_eq!(event.data.statement_item.amount, -4_200);
    let sync = client.bank_sync().await.unwrap();
    assert_eq!(key_id.as_deref(), Some(sync.server_key_id.as_str()));
    let key = PublicKey::from_base64(&sync.server_pub_key).unwrap();
    assert_eq!(key.verify(&body, sign.as_deref().unwrap()), Ok(()));
    assert!(key.verify(&body[1..], sign.as_deref().unwrap()).is_err());

    // The receiver fails: three attempts, 60 s and 600 s apart (scaled), then switched off.
    receiver.failing.store(true, Ordering::SeqCst);
    new_transaction(&sb, -100).await;
    receiver.wait_for_posts(4, Duration::from_secs(10)).await;
    let times: Vec<Instant> = receiver.posts().iter().map(|p| p.at).collect();
    let first_retry = times[2] - times[1];
    let second_retry = times[3] - times[2];
    assert!(
        first_retry >= Duration::from_millis(95) && first_retry < Duration::from_millis(900),
        "{first_retry:?}"
    );
    assert!(
        second_retry >= Duration::from_millis(990) && second_retry < Duration::from_secs(3),
        "{second_retry:?}"
    );
    // The switch-off follows the third failure; the delivery is over, so nothing can follow.
    sb.wait_for_switch_off(0, Duration::from_secs(5)).await;
    assert_eq!(receiver.posts().len(), 4, "no fourth attempt");
    let attempts: Vec<u64> = sb
        .deliveries()
        .await
        .iter()
        .filter(|d| d["delivered"] == false)
        .map(|d| d["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(
        attempts,
        [1, 2, 3, 0],
        "three failed attempts, then the switch-off"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.client_info(&token).await {
            Ok(info) => {
                assert!(info.web_hook_url.is_empty(), "switched off");
                break;
            }
            Err(MonoError::RateLimited { .. }) => {
                assert!(Instant::now() < deadline, "client-info never answered");
                tokio::time::sleep(Duration::from_millis(120)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test]
async fn a_url_that_fails_the_check_is_refused_and_an_empty_one_removes_the_webhook() {
    let sb = TestSandbox::start(Arc::new(SystemClock), 600.0).await;
    let (client, token) = (sb.client(), sb.token(1));
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client
        .set_webhook(&token, &format!("http://127.0.0.1:{closed}/x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, MonoError::BadRequest(ref m) if m.contains("check failed")),
        "{err:?}"
    );
    let receiver = Receiver::start();
    client.set_webhook(&token, &receiver.url).await.unwrap();
    client.set_webhook(&token, "").await.unwrap();
    assert_eq!(client.client_info(&token).await.unwrap().web_hook_url, "");
}

//! The reconciliation model, checked against the sandbox: a seeded random script of purchases,
//! holds that settle (under their id or a new one, for another amount) or are cancelled hours or
//! days later, refunds, duplicate and late webhook deliveries, restarts, a webhook switch-off
//! and a 400, on a manual clock, with the sync driven round by round. After every step, any
//! range the store calls complete must show exactly the bank's operations; after the schedule
//! has run, every range is complete. A failing seed is printed; replay it with
//! `MONOWEB_MODEL_SEED=<seed> cargo test --test it model -- --nocapture`.
//!
//! The same scripts run on two instances of one deployment sharing a PostgreSQL database, behind
//! a balancer that sends each webhook delivery to one of them at random: both sync the same user
//! at once, the token is removed and attached again or replaced while the other instance syncs,
//! and an instance dies in the middle of a round of its sync (the round cut where it stands, the
//! server stopped with nothing noted, its lease left to expire) and comes back.
//! The oracle is the same.

use futures_util::FutureExt;
use monobank::clock::Clock;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::helpers::{TestApp, TestSandbox};
use monoweb::db::users::UserId;
use monoweb::services::{client_info, history, sync};

/// How many seeds CI runs.
const SEEDS: u64 = 200;
/// Steps of each script.
const STEPS: usize = 14;
/// How long a step waits for the sandbox's webhook deliveries.
const DELIVERY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Seeds run side by side (half as many two-instance worlds: each holds two pools of
/// connections to the database server).
const PARALLEL: usize = 8;
/// The sandbox client the scripts use (three operations a day on its card).
const CLIENT: usize = 1;
const USER: UserId = UserId(1);

/// One seed's world: the app (restarted in place), the sandbox, the accounts.
struct World {
    app: TestApp,
    sandbox: TestSandbox,
    accounts: Vec<String>,
    /// Ids the bank delivered by webhook at least once (for duplicates and late deliveries).
    delivered: Vec<String>,
    webhook: bool,
    switched_off: bool,
    failed_once: bool,
    log: Vec<String>,
    /// The ledgers of the accounts no action touches (the card and the foreign-currency
    /// accounts), read once.
    untouched: std::collections::HashMap<String, Vec<monobank::types::StatementItem>>,
    /// In a two-instance world, the other instance and the balancer in front of both.
    second: Option<Second>,
    /// The directories of stopped instances: the first's holds the secret (and the SQLite
    /// database) that the deployment goes on using.
    kept: Vec<tempfile::TempDir>,
}

/// The second instance of a two-instance world.
struct Second {
    app: TestApp,
    balancer: Balancer,
    /// Whether each instance (0: `World::app`, 1: this one) is up.
    up: [bool; 2],
}

/// A load balancer on loopback in front of both instances: each request goes to one that is up,
/// chosen at random (seeded), as a deployment's balancer sends Monobank's deliveries.
#[derive(Clone)]
struct Balancer {
    url: String,
    state: std::sync::Arc<std::sync::Mutex<Backends>>,
}

struct Backends {
    urls: Vec<String>,
    up: [bool; 2],
    rng: StdRng,
}

/// Deaths of an instance and changes of the token, over every seed of the two-instance scripts.
static KILLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static TOKEN_CHANGES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Requests each instance was sent by a balancer, over every seed.
static BALANCED: [std::sync::atomic::AtomicUsize; 2] = [
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
];

impl Balancer {
    async fn start(seed: u64) -> Balancer {
        let state = std::sync::Arc::new(std::sync::Mutex::new(Backends {
            urls: Vec::new(),
            up: [true; 2],
            rng: StdRng::seed_from_u64(seed),
        }));
        let shared = state.clone();
        let client = reqwest::Client::new();
        let server = actix_web::HttpServer::new(move || {
            let (state, client) = (shared.clone(), client.clone());
            actix_web::App::new().default_service(actix_web::web::to(
                move |req: actix_web::HttpRequest, body: actix_web::web::Bytes| {
                    forward(state.clone(), client.clone(), req, body)
                },
            ))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}", server.addrs()[0]);
        tokio::spawn(server.run());
        Balancer { url, state }
    }

    fn set(&self, f: impl FnOnce(&mut Backends)) {
        f(&mut self.state.lock().unwrap());
    }
}

/// Sends `req` to an instance that is up (the other when it cannot be reached), answers its answer.
async fn forward(
    state: std::sync::Arc<std::sync::Mutex<Backends>>,
    client: reqwest::Client,
    req: actix_web::HttpRequest,
    body: actix_web::web::Bytes,
) -> actix_web::HttpResponse {
    let order: Vec<(usize, String)> = {
        let mut backends = state.lock().unwrap();
        let first = usize::from(backends.rng.random_bool(0.5));
        [first, 1 - first]
            .into_iter()
            .filter(|&k| backends.up[k])
            .map(|k| (k, backends.urls[k].clone()))
            .collect()
    };
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
    for (k, base) in order {
        let mut request = client
            .request(method.clone(), format!("{base}{}", req.uri()))
            .body(body.clone());
        for (name, value) in req.headers() {
            if name != "host" && name != "content-length" {
                request = request.header(name.as_str(), value.as_bytes());
            }
        }
        if let Ok(answer) = request.send().await {
            BALANCED[k].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let status = actix_web::http::StatusCode::from_u16(answer.status().as_u16()).unwrap();
            return actix_web::HttpResponse::build(status)
                .body(answer.bytes().await.unwrap_or_default());
        }
    }
    actix_web::HttpResponse::BadGateway().finish()
}

fn driven() -> crate::helpers::AppBuilder {
    TestApp::builder().configure(|s| {
        s.sync_history_days = 2;
        s.session_idle_secs = 100 * 86_400;
        s.session_max_secs = 100 * 86_400;
    })
}

/// [`driven`], for an instance behind the balancer at `url` (its public URL).
fn behind(url: &str) -> crate::helpers::AppBuilder {
    let url: url::Url = url.parse().unwrap();
    driven().configure(move |s| s.public_url = url)
}

impl World {
    /// One instance, or two behind a balancer (seeded by `seed`).
    async fn new(two: Option<u64>) -> World {
        let balancer = match two {
            Some(seed) => Some(Balancer::start(seed).await),
            None => None,
        };
        let builder = match &balancer {
            Some(balancer) => behind(&balancer.url),
            None => driven(),
        };
        let (app, sandbox) = builder.start_with_sandbox(1.0).await;
        sync::note_start(&app.context).await.unwrap();
        let second = match balancer {
            Some(balancer) => {
                let other = behind(&balancer.url).deployment_of(&app).start().await;
                sync::note_start(&other.context).await.unwrap();
                let urls = vec![app.address.clone(), other.address.clone()];
                balancer.set(|b| b.urls = urls);
                Some(Second {
                    app: other,
                    balancer,
                    up: [true; 2],
                })
            }
            None => None,
        };
        app.with_token(&sandbox, CLIENT, "modeller").await;
        let accounts = {
            // The attach read client-info and kept it.
            let mut conn = app.db();
            let (info, _) = monoweb::db::snapshots::client_info(&mut conn, USER)
                .unwrap()
                .expect("the accounts were read when the token was attached");
            client_info::account_ids(&info)
        };
        let mut world = World {
            app,
            sandbox,
            accounts,
            delivered: Vec::new(),
            webhook: false,
            switched_off: false,
            failed_once: false,
            log: Vec::new(),
            untouched: std::collections::HashMap::new(),
            second,
            kept: Vec::new(),
        };
        // The card's own recent holds settle, so that every range can become final.
        world.settle_everything(&mut StdRng::seed_from_u64(0)).await;
        for account in &world.accounts[..3] {
            let ledger = world.sandbox.ledger(CLIENT, account).await;
            world.untouched.insert(account.clone(), ledger);
        }
        world
    }

    fn ctx(&self) -> &monoweb::services::Context {
        &self.app.context
    }

    /// The instances that are up.
    fn live(&self) -> Vec<&monoweb::services::Context> {
        let mut live = Vec::new();
        let first_up = self.second.as_ref().is_none_or(|s| s.up[0]);
        if first_up {
            live.push(&*self.app.context);
        }
        if let Some(second) = self.second.as_ref().filter(|s| s.up[1]) {
            live.push(&*second.app.context);
        }
        live
    }

    /// One of the instances that are up, at random.
    fn any_live(&self, rng: &mut StdRng) -> &monoweb::services::Context {
        let live = self.live();
        live[rng.random_range(0..live.len())]
    }

    async fn round(&mut self) {
        self.app.clock.advance(61);
        // Every instance that is up beats (its heartbeat task is off in these tests) and runs
        // its round, at the same time as the others.
        let live = self.live();
        for ctx in &live {
            let (instance, now) = (ctx.sync.instance.clone(), ctx.clock.now());
            monoweb::db::sync::beat(&mut self.app.db(), &instance, now).unwrap();
        }
        let rounds = live.iter().map(|ctx| sync::run_once(ctx));
        for result in futures_util::future::join_all(rounds).await {
            result.unwrap();
        }
        if self.switched_off {
            // The sync saw the switch-off and registered the webhook again.
            let mut conn = self.app.db();
            let user = monoweb::db::sync::user(&mut conn, USER).unwrap();
            if user.and_then(|u| u.held_since()).is_some() {
                self.switched_off = false;
                self.log
                    .push("the sync registered the webhook again".into());
            }
        }
    }

    /// The account an action of the script touches: the FOP account or a jar (the card and
    /// the foreign-currency accounts change only through the data the sandbox began with).
    fn pick_account(&self, rng: &mut StdRng) -> String {
        self.accounts[[3, 4, 5][rng.random_range(0..3)]].clone()
    }

    async fn open_holds(&self, account: &str) -> Vec<String> {
        self.sandbox
            .ledger(CLIENT, account)
            .await
            .into_iter()
            .filter(|i| i.hold)
            .map(|i| i.id)
            .collect()
    }

    /// Waits until every webhook delivery the sandbox has begun has ended (delivered or failed).
    async fn deliveries_settled(&self, ids: &[String]) {
        let what = format!("the deliveries of {ids:?} to end");
        self.sandbox
            .wait_for_deliveries(&what, DELIVERY_WAIT, |log| {
                ids.iter()
                    .all(|id| log.iter().any(|d| d["id"] == id.as_str()))
            })
            .await;
    }

    async fn create(&mut self, rng: &mut StdRng, amount: i64) {
        let account = self.pick_account(rng);
        let item = self
            .sandbox
            .create_on(CLIENT, &account, amount, "Model")
            .await;
        self.log
            .push(format!("create {} {amount} on {account}", item.id));
        if self.webhook && !self.switched_off {
            self.deliveries_settled(std::slice::from_ref(&item.id))
                .await;
            self.delivered.push(item.id);
        }
    }

    async fn settle_or_cancel(&mut self, rng: &mut StdRng) {
        let account = self.pick_account(rng);
        let holds = self.open_holds(&account).await;
        if holds.is_empty() {
            return;
        }
        let id = holds[rng.random_range(0..holds.len())].clone();
        match rng.random_range(0..3) {
            0 => {
                self.sandbox.cancel(CLIENT, &account, &id).await;
                self.log.push(format!("cancel {id}"));
            }
            kind => {
                let new_id = kind == 2;
                let amount = rng
                    .random_bool(0.5)
                    .then(|| -rng.random_range(100..100_000));
                let item = self
                    .sandbox
                    .settle(CLIENT, &account, &id, amount, new_id)
                    .await;
                self.log.push(format!(
                    "settle {id} as {} {amount:?} (new id: {new_id})",
                    item.id
                ));
                if new_id && self.webhook && !self.switched_off {
                    self.deliveries_settled(std::slice::from_ref(&item.id))
                        .await;
                    self.delivered.push(item.id);
                }
            }
        }
    }

    async fn redeliver(&mut self, rng: &mut StdRng) {
        if self.delivered.is_empty() || !self.webhook || self.switched_off {
            return;
        }
        let id = self.delivered[rng.random_range(0..self.delivered.len())].clone();
        let count = |log: &[serde_json::Value]| log.iter().filter(|d| d["id"] == id).count();
        let before = count(&self.sandbox.deliveries().await);
        let (status, _) = self
            .sandbox
            .post_control(
                "/sandbox/webhook/redeliver",
                json!({"token": self.sandbox.tokens[CLIENT].token, "id": id}),
            )
            .await;
        assert_eq!(status, 202);
        let what = format!("the redelivery of {id} to end");
        self.sandbox
            .wait_for_deliveries(&what, DELIVERY_WAIT, |log| count(log) > before)
            .await;
        self.log.push(format!("redeliver {id}"));
    }

    async fn register(&mut self) {
        let ctx = match &self.second {
            Some(second) if !second.up[0] => &*second.app.context,
            _ => self.ctx(),
        };
        sync::register_own_webhook(ctx, USER).await.unwrap();
        self.webhook = true;
        self.switched_off = false;
        self.log.push("register the webhook".into());
    }

    /// Stops the app, lets the bank act while nobody listens (purchases whose deliveries fail,
    /// perhaps the switch-off that three failed deliveries bring), starts it again.
    async fn restart(&mut self, rng: &mut StdRng) {
        let address = self.app.stop_and_wait().await;
        let mut lost = Vec::new();
        for _ in 0..rng.random_range(0..3) {
            let account = self.pick_account(rng);
            // Money in: settled at once, so only the gap can hide it.
            let amount = rng.random_range(100..50_000);
            let item = self
                .sandbox
                .create_on(CLIENT, &account, amount, "While down")
                .await;
            lost.push(item.id);
        }
        if self.webhook {
            self.deliveries_settled(&lost).await;
        }
        let down = rng.random_range(31..20_000);
        if self.webhook && down > 660 && !self.switched_off {
            // Three failed deliveries: Monobank switches the webhook off.
            let (status, _) = self
                .sandbox
                .post_control(
                    "/sandbox/webhook/off",
                    json!({"token": self.sandbox.tokens[CLIENT].token}),
                )
                .await;
            assert_eq!(status, 200);
            self.switched_off = true;
        }
        self.app.clock.advance(down);
        let again = self.app.start_again(driven(), address).await;
        let old = std::mem::replace(&mut self.app, again);
        self.retire(old);
        self.log.push(format!(
            "restart after {down} s down, {} purchases meanwhile, switched off: {}",
            lost.len(),
            self.switched_off
        ));
    }

    /// Two instances: one that is up dies mid-round (stopped with nothing noted: its lease stays
    /// until it expires, its beats end) while the other runs on; or one that is down comes back.
    async fn kill_or_revive(&mut self, rng: &mut StdRng) {
        let Some(second) = self.second.as_mut() else {
            return;
        };
        if let Some(down) = second.up.iter().position(|up| !up) {
            let dead = if down == 0 { &self.app } else { &second.app };
            let address = dead.address.trim_start_matches("http://").parse().unwrap();
            let again = dead
                .start_again(behind(&second.balancer.url), address)
                .await;
            let old = if down == 0 {
                std::mem::replace(&mut self.app, again)
            } else {
                std::mem::replace(&mut second.app, again)
            };
            second.up[down] = true;
            second.balancer.set(|b| b.up[down] = true);
            self.log.push(format!("instance {down} comes back"));
            self.retire(old);
            return;
        }
        let k = rng.random_range(0..2);
        let victim = if k == 0 { &self.app } else { &second.app };
        // It dies in the middle of a round of its sync: at once (cut at the round's first
        // wait), or once the round has had an answer from Monobank (or ended); the rest of the
        // round never happens, as in a killed process.
        let ctx = victim.context.clone();
        let calls = self.sandbox.calls("/personal/").await.len();
        let round = tokio::spawn(async move { sync::run_once(&ctx).await });
        if rng.random_bool(0.5) {
            let started = std::time::Instant::now();
            while !round.is_finished() && self.sandbox.calls("/personal/").await.len() == calls {
                assert!(
                    started.elapsed() < DELIVERY_WAIT,
                    "the round neither called nor ended"
                );
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        }
        round.abort();
        let _ = round.await;
        victim.die_and_wait().await;
        second.up[k] = false;
        second.balancer.set(|b| b.up[k] = false);
        self.log.push(format!("instance {k} dies"));
        KILLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Two instances: the token is removed and attached again, or replaced (by itself: the same
    /// client's data), on one instance while the other runs a round of the sync.
    async fn change_token(&mut self, rng: &mut StdRng) {
        if self.second.is_none() {
            return;
        }
        let token = monobank::MonoToken::parse(&self.sandbox.tokens[CLIENT].token).unwrap();
        let replace = rng.random_bool(0.5);
        let changer = self.any_live(rng);
        let syncer = self.any_live(rng);
        self.app.clock.advance(61);
        let change = async {
            if replace {
                monoweb::services::tokens::replace(changer, USER, token)
                    .await
                    .unwrap();
            } else {
                monoweb::services::tokens::remove(changer, USER)
                    .await
                    .unwrap();
                monoweb::services::tokens::attach(changer, USER, token)
                    .await
                    .unwrap();
            }
        };
        let (_, synced) = futures_util::future::join(change, sync::run_once(syncer)).await;
        synced.unwrap();
        // The webhook went with the old token (monoweb removes what it registered).
        self.webhook = false;
        self.switched_off = false;
        self.log.push(format!(
            "{} the token while a round runs",
            if replace {
                "replace"
            } else {
                "remove and attach"
            }
        ));
        TOKEN_CHANGES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Lets a stopped instance go (its connections close) but keeps its directory.
    fn retire(&mut self, old: TestApp) {
        let TestApp { dir, .. } = old;
        self.kept.push(dir);
    }

    /// Stops every instance, so that their connections to the database close.
    fn stop_all(&self) {
        (self.app.stop)();
        if let Some(second) = &self.second {
            (second.app.stop)();
        }
    }

    /// The script's end: the bank settles or cancels every open hold, and the webhook is on.
    async fn settle_everything(&self, rng: &mut StdRng) {
        for account in &self.accounts {
            for id in self.open_holds(account).await {
                if rng.random_bool(0.5) {
                    self.sandbox.cancel(CLIENT, account, &id).await;
                } else {
                    self.sandbox.settle(CLIENT, account, &id, None, false).await;
                }
            }
        }
    }

    /// The ranges checked for an account: its whole history and one drawn (and, at the end,
    /// the last hours).
    fn ranges(&self, rng: &mut StdRng, history_from: i64, end: bool) -> Vec<(i64, i64)> {
        let now = self.app.clock.now();
        let a = rng.random_range(history_from..now);
        let b = rng.random_range(a..=now);
        let mut ranges = vec![(history_from, now), (a, b)];
        if end {
            ranges.push((now - 6 * 3_600, now));
        }
        ranges
    }

    /// Every range the store calls complete equals the bank's operations; answers how many
    /// ranges were complete. In the middle of a script only the accounts the script touches
    /// are checked (nothing can go missing from the others); at the end, every account.
    async fn check(&self, rng: &mut StdRng, step: &str, end: bool) -> usize {
        let rows = {
            let mut conn = self.app.db();
            monoweb::db::sync::accounts(&mut conn, USER).unwrap()
        };
        let mut complete = 0;
        let checked = if end {
            &self.accounts[..]
        } else {
            &self.accounts[3..]
        };
        for account in checked {
            let history_from = rows
                .iter()
                .find(|r| &r.account == account)
                .map_or(self.app.clock.now() - 2 * 86_400, |r| r.history_from);
            let ledger = match self.untouched.get(account) {
                Some(ledger) => ledger.clone(),
                None => self.sandbox.ledger(CLIENT, account).await,
            };
            for (from, to) in self.ranges(rng, history_from, end) {
                let stored = history::statement(self.ctx(), USER, Some(account.clone()), from, to)
                    .await
                    .unwrap();
                if !stored.complete {
                    continue;
                }
                complete += 1;
                let to = to.min(self.app.clock.now());
                let mut shown: Vec<(String, i64, bool)> = stored
                    .items
                    .iter()
                    .map(|r| (r.id.clone(), r.amount, r.hold))
                    .collect();
                shown.sort();
                let mut truth: Vec<(String, i64, bool)> = ledger
                    .iter()
                    .filter(|i| (from..=to).contains(&i.time))
                    .map(|i| (i.id.clone(), i.amount, i.hold))
                    .collect();
                truth.sort();
                assert_eq!(
                    shown,
                    truth,
                    "{step}: {account} [{from}, {to}] is complete but differs from the bank\n{}",
                    self.log.join("\n")
                );
                let sum = |rows: &[(String, i64, bool)]| rows.iter().map(|r| r.1).sum::<i64>();
                assert_eq!(sum(&shown), sum(&truth));
            }
        }
        complete
    }
}

/// Ranges found complete (and so compared with the bank) in the middle of the scripts.
static COMPARED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// One seed's script, on one instance or two; panics (with the seed) on the first broken
/// promise.
async fn run(seed: u64, two: bool) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut world = World::new(two.then_some(seed)).await;
    let register_at = rng.random_range(0..STEPS);
    for step in 0..STEPS {
        if step == register_at {
            world.register().await;
        }
        match rng.random_range(0..12) {
            0..=2 => {
                let amount = -rng.random_range(100..300_000);
                world.create(&mut rng, amount).await;
            }
            3 => {
                let amount = rng.random_range(100..100_000);
                world.create(&mut rng, amount).await;
            }
            4 | 5 => world.settle_or_cancel(&mut rng).await,
            6 => world.redeliver(&mut rng).await,
            7 => {
                let secs = rng.random_range(60..12 * 3_600);
                world.app.clock.advance(secs);
                world.log.push(format!("wait {secs} s"));
            }
            8 if step > 2 && two => world.kill_or_revive(&mut rng).await,
            8 if step > 2 => world.restart(&mut rng).await,
            9 if !world.failed_once => {
                world.sandbox.fault_next_statement("badrequest", 0).await;
                world.failed_once = true;
                world.log.push("the next statement call fails".into());
            }
            10 if two => world.change_token(&mut rng).await,
            _ => {
                for _ in 0..rng.random_range(1..4) {
                    world.round().await;
                }
                world.log.push("rounds".into());
            }
        }
        world.round().await;
        let compared = world
            .check(&mut rng, &format!("seed {seed} step {step}"), false)
            .await;
        COMPARED.fetch_add(compared, std::sync::atomic::Ordering::Relaxed);
    }
    // The bank finishes what is open; the webhook is on; the schedule runs to its end.
    world.settle_everything(&mut rng).await;
    if !world.webhook || world.switched_off {
        if world.switched_off {
            // Seen at the next check of client-info; the sync registers it again.
            world.app.clock.advance(sync::WEBHOOK_CHECK_SECS);
        } else {
            world.register().await;
        }
    }
    if two {
        // A dead instance's lease lasts until it expires; the end needs both up anyway.
        if world.second.as_ref().is_some_and(|s| s.up.contains(&false)) {
            world.kill_or_revive(&mut rng).await;
        }
    }
    world.app.clock.advance(2 * 3_600);
    let wanted = world.accounts.len() * 3;
    let mut calls = world.sandbox.calls("/personal/").await.len();
    for _ in 0..60 {
        world.round().await;
        // Checked once a round made no call: the schedule has nothing left to do.
        let now = world.sandbox.calls("/personal/").await.len();
        if std::mem::replace(&mut calls, now) < now {
            continue;
        }
        if world
            .check(&mut rng, &format!("seed {seed} end"), true)
            .await
            == wanted
        {
            // Within Monobank's limits all along: the sandbox never had to answer 429.
            let calls = world.sandbox.calls("/").await;
            assert!(
                calls.iter().all(|c| c["status"] != 429),
                "seed {seed}: a call over the limit\n{}",
                world.log.join("\n")
            );
            world.stop_all();
            return;
        }
    }
    panic!(
        "seed {seed}: not every range was complete after the schedule ran\n{}",
        world.log.join("\n")
    );
}

/// The seeds to run: `MONOWEB_MODEL_SEED` alone, else 1 to `MONOWEB_MODEL_SEEDS` (or `SEEDS`).
fn seeds() -> Vec<u64> {
    match std::env::var("MONOWEB_MODEL_SEED") {
        Ok(seed) => vec![seed.parse().expect("a seed number")],
        Err(_) => (1..=std::env::var("MONOWEB_MODEL_SEEDS").map_or(SEEDS, |n| n.parse().unwrap()))
            .collect(),
    }
}

/// Runs `seeds` side by side in batches; panics with the first seed that failed.
async fn run_all(seeds: &[u64], two: bool) {
    let parallel = if two { PARALLEL / 2 } else { PARALLEL };
    for batch in seeds.chunks(parallel) {
        let runs = batch
            .iter()
            .map(|&seed| std::panic::AssertUnwindSafe(run(seed, two)).catch_unwind());
        for (seed, result) in batch.iter().zip(futures_util::future::join_all(runs).await) {
            if let Err(e) = result {
                let why = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                panic!("seed {seed} failed (replay: MONOWEB_MODEL_SEED={seed}): {why}");
            }
        }
    }
}

#[tokio::test]
async fn the_store_converges_to_the_banks_statements_and_complete_is_never_a_lie() {
    let seeds = seeds();
    run_all(&seeds, false).await;
    let compared = COMPARED.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{} seeds; {compared} complete ranges compared mid-script",
        seeds.len()
    );
    assert!(
        compared > seeds.len(),
        "the scripts must reach complete ranges to check them"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_postgresql_converge_to_the_banks_statements_through_kills_and_token_changes(
) {
    if crate::helpers::postgres_server().is_none() {
        eprintln!("skipped: several instances share a PostgreSQL database (set MONOWEB_TEST_POSTGRES_URL)");
        return;
    }
    let seeds = seeds();
    let started = std::time::Instant::now();
    run_all(&seeds, true).await;
    let [first, second] = &BALANCED;
    let balanced = (
        first.load(std::sync::atomic::Ordering::Relaxed),
        second.load(std::sync::atomic::Ordering::Relaxed),
    );
    let kills = KILLS.load(std::sync::atomic::Ordering::Relaxed);
    let changes = TOKEN_CHANGES.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{} seeds on two instances in {:?}; requests through the balancer: {balanced:?}; \
         {kills} deaths, {changes} token changes",
        seeds.len(),
        started.elapsed()
    );
    if seeds.len() >= PARALLEL {
        assert!(
            balanced.0 > 0 && balanced.1 > 0,
            "the deliveries reach both instances: {balanced:?}"
        );
        assert!(
            kills > 0 && changes > 0,
            "the scripts kill instances and change the token"
        );
    }
}

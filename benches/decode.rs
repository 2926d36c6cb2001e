//! Decode throughput of a full 500-item statement page, the largest answer monoweb parses on a
//! hot path. The page comes from the sandbox's generator, so it has Mono's real shape and mix of
//! optional fields. Run: `cargo bench --bench decode`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use monobank::types::StatementItem;
use monobank_sandbox::data;

fn statement_page() -> String {
    let clients = data::generate(42, 1_795_000_000);
    let client = &clients[0];
    let ledger = client.ledger(client.default_account().unwrap()).unwrap();
    let page: Vec<&StatementItem> = ledger.iter().rev().take(500).collect();
    serde_json::to_string(&page).unwrap()
}

fn decode(c: &mut Criterion) {
    let json = statement_page();
    let mut group = c.benchmark_group("statement");
    group.throughput(Throughput::Elements(500));
    group.bench_function("decode 500 items", |b| {
        b.iter(|| {
            let items: Vec<StatementItem> =
                serde_json::from_str(std::hint::black_box(&json)).unwrap();
            assert_eq!(items.len(), 500);
            items
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);

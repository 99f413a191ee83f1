//! Verification time of a valid delivery by body size and number of configured keys.
//!
//! The matching key is configured last, so every key's MAC is computed; the header carries
//! one signature per configured key, in Supabase's `", "` form, the matching one last.

use std::time::Duration;

use auth_mirror::webhook::{sign, DeliveryHeaders, Verifier, WebhookSecrets};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const ID: &str = "msg_2bVrAg0jlvTuODZcNB6e6Wd6lTe";
const TS: i64 = 1_700_000_000;

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    for body_len in [1024usize, 64 * 1024] {
        let body = vec![b'x'; body_len];
        for key_count in [1usize, 3] {
            let raw: Vec<String> = (0..key_count).map(|_| WebhookSecrets::generate()).collect();
            let secrets = WebhookSecrets::parse(&raw.join("|")).expect("generated secrets parse");
            // Signed by every key except the matching one with another id, so only the last
            // signature matches the last key.
            let header = secrets
                .keys()
                .iter()
                .enumerate()
                .map(|(i, key)| match i + 1 == key_count {
                    true => sign(key, ID, TS, &body),
                    false => sign(key, "msg_other", TS, &body),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let timestamp = TS.to_string();
            let headers = DeliveryHeaders {
                id: Some(ID),
                timestamp: Some(&timestamp),
                signature: Some(&header),
            };
            let verifier = Verifier::new(secrets, Duration::from_secs(300));
            assert!(verifier.verify(&headers, &body, TS).is_ok());

            group.throughput(Throughput::Bytes(body_len as u64));
            let id = BenchmarkId::new(format!("{}KiB", body_len / 1024), format!("{key_count}key"));
            group.bench_with_input(id, &body, |b, body| {
                b.iter(|| verifier.verify(std::hint::black_box(&headers), body, TS))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);

//! The report: a readable block, then one `load:` line of `key=value` pairs for scripts
//! (`bench/ceiling.sh`).

use std::time::Duration;

use hdrhistogram::Histogram;

use super::deliveries::Kind;
use super::driver::{Measured, Plan};

/// What the processes used during the measured run.
#[derive(Debug, Default)]
pub struct Usage {
    pub server_cpu: Option<Duration>,
    pub own_cpu: Option<Duration>,
    /// The service's peak resident set since it started (`VmHWM`).
    pub server_hwm_kb: Option<u64>,
    /// The largest `VmRSS` sampled during the run.
    pub server_rss_peak_kb: Option<u64>,
}

pub fn print(plan: &Plan, measured: &Measured, usage: &Usage) {
    let stats = &measured.stats;
    let seconds = measured.elapsed.as_secs_f64();
    let per_second = stats.ok() as f64 / seconds;
    let pace = match plan.rate {
        Some(rate) => format!("offered {rate:.0}/s"),
        None => "flat out".into(),
    };
    println!(
        "{pace}, {} connections, {:.1} s: {} deliveries, {} acknowledged (2xx), {:.0} events/s",
        plan.connections,
        seconds,
        stats.latency.len() + stats.no_answer,
        stats.ok(),
        per_second
    );
    for kind in Kind::ALL {
        println!("  {:<36} {}", kind.name(), stats.acknowledged[kind.index()]);
    }
    let statuses: Vec<String> = stats
        .statuses
        .iter()
        .map(|(status, count)| format!("{status}: {count}"))
        .chain((stats.no_answer > 0).then(|| format!("no answer: {}", stats.no_answer)))
        .collect();
    println!("  answers: {}", statuses.join(", "));
    println!(
        "  latency from intended send: {}",
        percentiles(&stats.latency)
    );
    println!(
        "  latency from actual send:   {}",
        percentiles(&stats.service)
    );
    let per_event =
        |cpu: Option<Duration>| cpu.map(|cpu| cpu.as_secs_f64() * 1e6 / stats.ok().max(1) as f64);
    let show = |value: Option<f64>, unit: &str| {
        value.map_or_else(|| "n/a".to_owned(), |value| format!("{value:.0} {unit}"))
    };
    let kb = |value: Option<u64>| value.map(|kb| kb as f64 / 1024.0);
    println!(
        "  server: peak RSS {} (VmHWM), {} sampled during the run; CPU {} per event",
        show_mb(kb(usage.server_hwm_kb)),
        show_mb(kb(usage.server_rss_peak_kb)),
        show(per_event(usage.server_cpu), "µs"),
    );
    println!(
        "  load generator: CPU {} per delivery",
        show(per_event(usage.own_cpu), "µs")
    );
    let ms = |histogram: &Histogram<u64>, quantile: f64| {
        histogram.value_at_quantile(quantile) as f64 / 1000.0
    };
    println!(
        "load: events_per_s={per_second:.1} ok={} errors={} p50_ms={:.3} p95_ms={:.3} p99_ms={:.3} \
         max_ms={:.3} service_p99_ms={:.3} server_hwm_kb={} server_cpu_us={:.1} loadgen_cpu_us={:.1} \
         seed={}",
        stats.ok(),
        stats.errors(),
        ms(&stats.latency, 0.5),
        ms(&stats.latency, 0.95),
        ms(&stats.latency, 0.99),
        stats.latency.max() as f64 / 1000.0,
        ms(&stats.service, 0.99),
        usage.server_hwm_kb.unwrap_or(0),
        per_event(usage.server_cpu).unwrap_or(0.0),
        per_event(usage.own_cpu).unwrap_or(0.0),
        plan.seed,
    );
}

fn percentiles(histogram: &Histogram<u64>) -> String {
    let ms = |micros: u64| micros as f64 / 1000.0;
    format!(
        "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(histogram.value_at_quantile(0.5)),
        ms(histogram.value_at_quantile(0.95)),
        ms(histogram.value_at_quantile(0.99)),
        ms(histogram.max()),
    )
}

fn show_mb(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |mb| format!("{mb:.1} MB"))
}

//! What operators watch on `GET /metrics` (Prometheus text format). One recorder per
//! process; every name is written here, so the README's list and the code agree.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (once per process; later calls reuse it). `None` when another
/// recorder was installed first.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("ent_update_handling_seconds".into()), &buckets)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            register_at_zero();
            Some(handle)
        })
        .clone()
}

/// Counters an alert watches exist from the start at 0: Prometheus cannot see the first
/// increment of a series that springs into existence at 1 (`increase` needs two samples),
/// so the first parked update or failed callback would go unnoticed.
fn register_at_zero() {
    counter!("ent_updates_parked_total").increment(0);
    counter!("ent_bot_api_retry_after_total").increment(0);
    counter!("ent_seats_booked_total").increment(0);
    for method in ["kaspi", "card"] {
        counter!("ent_payments_applied_total", "method" => method).increment(0);
    }
    for provider in ["kaspi", "card"] {
        for result in ["ok", "refused", "malformed", "error"] {
            counter!("ent_payment_callbacks_total", "provider" => provider, "result" => result).increment(0);
        }
    }
}

pub fn updates_received(n: u64) {
    counter!("ent_updates_received_total").increment(n);
}

/// An update finished: handled, or failed (to be retried or parked).
pub fn update_handled(kind: &str, took: Duration, ok: bool) {
    let result = if ok { "ok" } else { "error" };
    counter!("ent_updates_handled_total", "kind" => kind.to_string(), "result" => result).increment(1);
    histogram!("ent_update_handling_seconds", "kind" => kind.to_string()).record(took.as_secs_f64());
}

pub fn update_parked() {
    counter!("ent_updates_parked_total").increment(1);
}

/// A Bot API call and how it ended: `ok`, `429`, `403`, `error`.
pub fn bot_api_call(method: &'static str, result: &'static str) {
    counter!("ent_bot_api_calls_total", "method" => method, "result" => result).increment(1);
}

pub fn bot_api_retry_after() {
    counter!("ent_bot_api_retry_after_total").increment(1);
}

pub fn seat_booked() {
    counter!("ent_seats_booked_total").increment(1);
}

pub fn payment_applied(method: &'static str) {
    counter!("ent_payments_applied_total", "method" => method).increment(1);
}

pub fn inbox_depth(pending: i64, parked: i64) {
    gauge!("ent_inbox_pending").set(pending as f64);
    gauge!("ent_inbox_parked").set(parked as f64);
}

/// A lane's pending messages, and how long its oldest due message has waited: the
/// transactional lane's lag is how late a payment reminder or confirmation is.
pub fn outbox_backlog(lane: &'static str, pending: i64, lag_secs: f64) {
    gauge!("ent_outbox_pending", "lane" => lane).set(pending as f64);
    gauge!("ent_outbox_lag_seconds", "lane" => lane).set(lag_secs);
}

/// A payment provider's callback (`kaspi`, `card`) and how it ended: `ok` (answered by the
/// protocol, whatever its code), `refused` (an address, a signature or a password that is
/// not allowed), `malformed`, or `error` (ours: the provider repeats it later).
pub fn payment_callback(provider: &'static str, result: &'static str) {
    counter!("ent_payment_callbacks_total", "provider" => provider, "result" => result).increment(1);
}

/// 1 while this process would answer `/healthz` with 200, read at scrape time.
pub fn ready(ready: bool) {
    gauge!("ent_ready").set(if ready { 1.0 } else { 0.0 });
}

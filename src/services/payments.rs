//! Paying for a held seat: choosing a method (an order), provider checks, and recording a
//! payment — applied if the application still awaits it, kept as `late` otherwise. The
//! provider callbacks and staff's /markpaid share [`apply`].

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::db::catalog::{self, SlotPlace};
use crate::db::outbox::{DedupKey, NewMessage};
use crate::db::payments::{self as db, Callback, OrderState};
use crate::db::refunds::{self, NewRefund, Reason};
use crate::db::{jobs, outbox};
use crate::domain::{ApplicationStatus, Money};
use crate::i18n::Locale;
use crate::payments::{CheckOutcome, Method, PayOutcome, PaymentEvent, amount, gateway, order_number};
use crate::render::payment::{self as notices, Due};
use crate::services::Ctx;

/// Why an application cannot be paid now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotPayable {
    AlreadyPaid,
    /// Annulled, withdrawn, past its deadline, or not his.
    NotAwaiting,
}

/// The application's fee and deadline while it awaits payment.
pub async fn due(
    ctx: &Ctx,
    telegram_user_id: i64,
    application_id: i64,
) -> anyhow::Result<Result<Due, NotPayable>> {
    let now = ctx.clock.now();
    let Some(app) = db::own_application(&ctx.db, telegram_user_id, application_id).await? else {
        return Ok(Err(NotPayable::NotAwaiting));
    };
    if app.status == ApplicationStatus::Paid {
        return Ok(Err(NotPayable::AlreadyPaid));
    }
    if !app.status.accepts_payment(now, app.payment_deadline) {
        return Ok(Err(NotPayable::NotAwaiting));
    }
    Ok(Ok(Due {
        application_id,
        fee: app.fee,
        deadline: app.payment_deadline,
        now,
        tz: ctx.config.timezone,
        card: ctx.config.payments.card_payments,
    }))
}

#[derive(Clone, Debug)]
pub enum Choice {
    Kaspi {
        due: Due,
        order: String,
    },
    Card {
        due: Due,
        order: String,
        url: String,
    },
    /// The gateway did not give a payment page; Kaspi still works.
    CardUnavailable {
        due: Due,
    },
    NotPayable(NotPayable),
}

/// The order for paying by `method`: the pending one of that method, or a new one.
pub async fn choose(
    ctx: &Ctx,
    telegram_user_id: i64,
    locale: Locale,
    application_id: i64,
    method: Method,
) -> anyhow::Result<Choice> {
    let due = match due(ctx, telegram_user_id, application_id).await? {
        Ok(due) => due,
        Err(why) => return Ok(Choice::NotPayable(why)),
    };
    if method == Method::Card && !due.card {
        // An old card button, from before card payments were turned off.
        return Ok(Choice::CardUnavailable { due });
    }
    let Some(order) = order(ctx, application_id, method, due.now).await? else {
        // Settled between the two statements.
        return Ok(Choice::NotPayable(NotPayable::NotAwaiting));
    };
    // The amount is the one fixed on the order, even if the campaign's fee changed since.
    let due = Due { fee: order.amount, ..due };
    tracing::info!(
        user = telegram_user_id,
        application_id,
        payment_id = order.id,
        method = method.code(),
        "payment method chosen"
    );
    match method {
        Method::Kaspi => Ok(Choice::Kaspi { due, order: order.order_number }),
        Method::Card => {
            if let Some(url) = order.payment_url {
                return Ok(Choice::Card { due, order: order.order_number, url });
            }
            match card_link(ctx, locale, telegram_user_id, application_id, &order.order_number, due.fee).await
            {
                Ok(url) => {
                    db::set_url(&ctx.db, order.id, &url).await?;
                    Ok(Choice::Card { due, order: order.order_number, url })
                }
                Err(e) => {
                    tracing::warn!(application_id, error = %format!("{e:#}"), "no card payment page");
                    Ok(Choice::CardUnavailable { due })
                }
            }
        }
    }
}

/// A new order number is random: on the rare collision, draw again.
async fn order(
    ctx: &Ctx,
    application_id: i64,
    method: Method,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<db::Order>> {
    for _ in 0..8 {
        let number = order_number::generate(&mut rand::thread_rng());
        match db::pending_or_new(&ctx.db, application_id, method, &number, now).await {
            Ok(Some(order)) => return Ok(Some(order)),
            // Either a concurrent tap created it (ask again) or the application was settled.
            Ok(None) => {
                let still = db::application_status(&ctx.db, application_id).await?;
                if !still.is_some_and(ApplicationStatus::can_pay) {
                    return Ok(None);
                }
            }
            Err(e) if crate::db::violates(&e, db::ORDER_NUMBER_TAKEN) => {}
            Err(e) => return Err(e.into()),
        }
    }
    bail!("could not create an order for application {application_id}")
}

async fn card_link(
    ctx: &Ctx,
    locale: Locale,
    telegram_user_id: i64,
    application_id: i64,
    order_number: &str,
    fee: Money,
) -> anyhow::Result<String> {
    let Some(base) = &ctx.config.payments.card_api_url else {
        return Ok(gateway::sandbox_link(&ctx.config.http.public_url, order_number));
    };
    let description = ctx.i18n.f(locale, "pay-card-description", &[("id", application_id.into())]);
    let account = telegram_user_id.to_string();
    let order = gateway::Order { order_number, amount: fee, description: &description, account_id: &account };
    gateway::create_link(&ctx.config, base, &order).await
}

/// A provider asks whether an order can be paid with this amount. Changes nothing. An
/// order belongs to the method it was made for: the other provider does not know it.
pub async fn check(
    ctx: &Ctx,
    method: Method,
    order_number: &str,
    amount_tiyn: i64,
) -> anyhow::Result<CheckOutcome> {
    let now = ctx.clock.now();
    let Some(o) = db::order_state(&ctx.db, order_number).await?.filter(|o| o.method == method) else {
        return Ok(CheckOutcome::NotFound);
    };
    if !payable(&o, now) {
        return Ok(CheckOutcome::NotPayable);
    }
    let expected = o.amount;
    if amount::tiyn(expected) != amount_tiyn {
        return Ok(CheckOutcome::WrongAmount { expected });
    }
    Ok(CheckOutcome::Payable { payment_id: o.payment_id, amount: expected })
}

fn payable(o: &OrderState, now: DateTime<Utc>) -> bool {
    o.payment_status.is_open() && o.application_status.accepts_payment(now, o.payment_deadline)
}

/// Records a provider's payment once per transaction id: a repeat, even one arriving
/// while the first is still being processed, gets the first answer back. `answer` turns
/// the outcome into the provider's reply, which is stored with the callback. Money the
/// provider took that pays for nothing is recorded for a refund in the same transaction.
pub async fn pay(
    ctx: &Ctx,
    event: &PaymentEvent,
    request: &Value,
    answer: impl FnOnce(&PayOutcome) -> Value,
) -> anyhow::Result<Value> {
    let now = ctx.clock.now();
    let known = db::order_state(&ctx.db, &event.order_number).await?;
    let place = match &known {
        Some(o) => catalog::slot_place(&ctx.db, o.slot_id).await?,
        None => None,
    };
    let mut tx = ctx.db.begin().await?;
    db::lock_callback(&mut tx, event.method, "pay", &event.txn_id).await?;
    if let Some(first) = db::stored_answer(&mut tx, event.method, "pay", &event.txn_id).await? {
        tracing::info!(method = event.method.code(), txn = %event.txn_id, "repeated payment callback answered as before");
        return Ok(first);
    }
    let outcome = apply(&mut tx, ctx, event, place.as_ref(), now).await?;
    if takes_money_on_pay(event.method)
        && let Some(reason) = unapplied(&outcome, known.as_ref(), event.method)
    {
        let refund = NewRefund {
            provider: event.method,
            txn_id: &event.txn_id,
            reason,
            order_number: &event.order_number,
            payment_id: known.as_ref().map(|o| o.payment_id),
            application_id: known.as_ref().map(|o| o.application_id),
            amount_minor: event.amount_tiyn,
            currency: "KZT",
            now,
        };
        refunds::record(&mut tx, &refund).await?;
        tracing::warn!(method = event.method.code(), txn = %event.txn_id, reason = reason.code(), "money taken but not applied: recorded for a refund");
    }
    let response = answer(&outcome);
    let callback = Callback {
        provider: event.method,
        command: "pay",
        txn_id: &event.txn_id,
        request,
        response: &response,
        now,
    };
    db::store_callback(&mut tx, &callback).await?;
    tx.commit().await?;
    log_outcome(event, &outcome);
    Ok(response)
}

/// The card gateway notifies `pay` after the card was charged: whatever we answer, the
/// money is taken. Kaspi asks before it takes the money, and a refusal cancels it (a late
/// payment, which Kaspi is told is accepted, is recorded by [`apply`] itself).
fn takes_money_on_pay(method: Method) -> bool {
    method == Method::Card
}

/// Why a payment the provider completed paid for nothing; `None` when it was applied or
/// recorded before (or is late: [`apply`] records that with the payment).
fn unapplied(outcome: &PayOutcome, order: Option<&OrderState>, method: Method) -> Option<Reason> {
    match outcome {
        PayOutcome::PaidByOtherTxn { .. } => Some(Reason::Duplicate),
        PayOutcome::WrongAmount { .. } => Some(Reason::WrongAmount),
        PayOutcome::NotFound if order.is_some_and(|o| o.method != method) => Some(Reason::MethodMismatch),
        PayOutcome::NotFound => Some(Reason::UnknownOrder),
        PayOutcome::Applied { .. } | PayOutcome::AlreadyRecorded { .. } | PayOutcome::Late { .. } => None,
    }
}

/// A completed card payment in another currency than the fee's: not applied, recorded
/// for a refund, answered `response`; once per transaction like [`pay`].
pub async fn pay_in_other_currency(
    ctx: &Ctx,
    event: &PaymentEvent,
    currency: &str,
    request: &Value,
    response: &Value,
) -> anyhow::Result<Value> {
    let now = ctx.clock.now();
    let known = db::order_state(&ctx.db, &event.order_number).await?;
    let mut tx = ctx.db.begin().await?;
    db::lock_callback(&mut tx, event.method, "pay", &event.txn_id).await?;
    if let Some(first) = db::stored_answer(&mut tx, event.method, "pay", &event.txn_id).await? {
        return Ok(first);
    }
    let currency = currency.trim().to_ascii_uppercase();
    let refund = NewRefund {
        provider: event.method,
        txn_id: &event.txn_id,
        reason: Reason::WrongCurrency,
        order_number: &event.order_number,
        payment_id: known.as_ref().map(|o| o.payment_id),
        application_id: known.as_ref().map(|o| o.application_id),
        amount_minor: event.amount_tiyn,
        currency: &currency,
        now,
    };
    refunds::record(&mut tx, &refund).await?;
    let callback =
        Callback { provider: event.method, command: "pay", txn_id: &event.txn_id, request, response, now };
    db::store_callback(&mut tx, &callback).await?;
    tx.commit().await?;
    tracing::warn!(method = event.method.code(), txn = %event.txn_id, currency = %currency, "payment in another currency: recorded for a refund");
    Ok(response.clone())
}

/// Forgets provider callbacks older than `PAYMENT_CALLBACKS_RETENTION_DAYS`; returns how
/// many. The payment itself stays in `payments`, and a refund in `refunds`: what goes is
/// the provider's message and the idempotency record, which no provider repeats that late
/// (a late repeat would find the payment already recorded by its transaction id anyway).
#[tracing::instrument(skip_all)]
pub async fn purge_old_callbacks(ctx: &Ctx) -> anyhow::Result<u64> {
    const BATCH: i64 = 5_000;
    let keep = chrono::Duration::days(i64::from(ctx.config.payments.callbacks_retention_days));
    let before = ctx.clock.now() - keep;
    let mut purged = 0;
    loop {
        let n = db::purge_callbacks(&ctx.db, before, BATCH).await?;
        purged += n;
        if n < BATCH as u64 {
            return Ok(purged);
        }
    }
}

/// Remembers a notification that changes nothing (a declined card), once per transaction.
pub async fn note(
    ctx: &Ctx,
    provider: Method,
    command: &str,
    txn_id: &str,
    request: &Value,
    response: &Value,
) -> anyhow::Result<Value> {
    let mut tx = ctx.db.begin().await?;
    db::lock_callback(&mut tx, provider, command, txn_id).await?;
    if let Some(first) = db::stored_answer(&mut tx, provider, command, txn_id).await? {
        return Ok(first);
    }
    let callback = Callback { provider, command, txn_id, request, response, now: ctx.clock.now() };
    db::store_callback(&mut tx, &callback).await?;
    tx.commit().await?;
    Ok(response.clone())
}

/// The one way money is recorded, inside the caller's transaction: the application is
/// paid if it still awaits payment before its deadline (its reminders and expiry
/// cancelled, a confirmation queued); otherwise the payment is kept as `late` and the
/// applicant told a refund follows. The order's rows stay locked until commit, so
/// duplicates and the expiry worker see the result, never the state before it.
pub async fn apply(
    conn: &mut PgConnection,
    ctx: &Ctx,
    event: &PaymentEvent,
    place: Option<&SlotPlace>,
    now: DateTime<Utc>,
) -> anyhow::Result<PayOutcome> {
    // One order number, one method: a Kaspi payment cannot settle a card order (nor the
    // reverse), so which provider took the money is never in doubt.
    let Some(o) = db::lock_order(conn, &event.order_number).await?.filter(|o| o.method == event.method)
    else {
        return Ok(PayOutcome::NotFound);
    };
    let expected = o.amount;
    if amount::tiyn(expected) != event.amount_tiyn {
        return Ok(PayOutcome::WrongAmount { expected });
    }
    if o.payment_status.is_settled() {
        return Ok(if o.provider_txn_id.as_deref() == Some(event.txn_id.as_str()) {
            PayOutcome::AlreadyRecorded { payment_id: o.payment_id }
        } else {
            PayOutcome::PaidByOtherTxn { payment_id: o.payment_id }
        });
    }
    let locale = o.locale.unwrap_or(Locale::Kk);
    let applies = o.application_status.accepts_payment(now, o.payment_deadline);
    if applies {
        let place = place.context("the seat's place was not read before the payment")?;
        if !db::settle(conn, o.payment_id, db::Settlement::Paid, &event.txn_id, now).await?
            || !db::mark_application_paid(conn, o.application_id, now).await?
        {
            bail!("payment {} changed under its lock", o.payment_id);
        }
        jobs::cancel_for_application(conn, o.application_id, now).await?;
        let text = notices::confirmed(
            &ctx.i18n,
            locale,
            o.application_id,
            expected,
            &event.order_number,
            place,
            ctx.config.timezone,
        );
        let key = DedupKey::Paid { application: o.application_id };
        outbox::enqueue(conn, &NewMessage::transactional(o.telegram_user_id, &text, key, now)).await?;
        crate::metrics::payment_applied(event.method.code());
        Ok(PayOutcome::Applied { payment_id: o.payment_id, application_id: o.application_id })
    } else {
        db::settle(conn, o.payment_id, db::Settlement::Late, &event.txn_id, now).await?;
        let refund = NewRefund {
            provider: event.method,
            txn_id: &event.txn_id,
            reason: Reason::Late,
            order_number: &event.order_number,
            payment_id: Some(o.payment_id),
            application_id: Some(o.application_id),
            amount_minor: event.amount_tiyn,
            currency: "KZT",
            now,
        };
        refunds::record(conn, &refund).await?;
        let text = notices::late(
            &ctx.i18n,
            locale,
            o.application_id,
            expected,
            &event.order_number,
            &ctx.config.payments.refund_email,
        );
        let key = DedupKey::LatePayment { payment: o.payment_id };
        outbox::enqueue(conn, &NewMessage::transactional(o.telegram_user_id, &text, key, now)).await?;
        Ok(PayOutcome::Late { payment_id: o.payment_id, application_id: o.application_id })
    }
}

fn log_outcome(event: &PaymentEvent, outcome: &PayOutcome) {
    let method = event.method.code();
    match outcome {
        PayOutcome::Applied { payment_id, application_id } => {
            tracing::info!(method, payment_id, application_id, "payment applied")
        }
        PayOutcome::Late { payment_id, application_id } => {
            tracing::warn!(method, payment_id, application_id, "late payment recorded: needs a refund")
        }
        PayOutcome::PaidByOtherTxn { payment_id } => {
            tracing::error!(method, payment_id, txn = %event.txn_id, "second transaction for a settled order refused")
        }
        PayOutcome::NotFound | PayOutcome::WrongAmount { .. } | PayOutcome::AlreadyRecorded { .. } => {
            tracing::warn!(method, txn = %event.txn_id, outcome = ?outcome, "payment not applied")
        }
    }
}

/// Staff confirm money that arrived outside the callbacks (a bank statement): the same
/// [`apply`], with the audit record in the same transaction.
pub async fn mark_paid_by_staff(ctx: &Ctx, actor_id: i64, order_number: &str) -> anyhow::Result<PayOutcome> {
    let now = ctx.clock.now();
    let state = db::order_state(&ctx.db, order_number).await?;
    let place = match &state {
        Some(o) => catalog::slot_place(&ctx.db, o.slot_id).await?,
        None => None,
    };
    let mut tx = ctx.db.begin().await?;
    let outcome = match &state {
        None => PayOutcome::NotFound,
        Some(o) => {
            let event = PaymentEvent {
                method: o.method,
                order_number: order_number.to_string(),
                txn_id: format!("staff:{actor_id}:{}", o.payment_id),
                amount_tiyn: amount::tiyn(o.amount),
            };
            apply(&mut tx, ctx, &event, place.as_ref(), now).await?
        }
    };
    let details = json!({ "outcome": format!("{outcome:?}") });
    crate::db::audit::record(&mut *tx, actor_id, "markpaid", order_number, details).await?;
    tx.commit().await?;
    tracing::info!(actor = actor_id, outcome = ?outcome, "staff marked an order paid");
    Ok(outcome)
}

pub use crate::db::orders::OrderRow;

/// The user's payment orders, newest first.
pub async fn orders_of(ctx: &Ctx, telegram_user_id: i64, limit: i64) -> anyhow::Result<Vec<OrderRow>> {
    Ok(crate::db::orders::of_user(&ctx.db, telegram_user_id, limit).await?)
}

/// An order by its number; `None` for anything that cannot be one of ours.
pub async fn order_by_number(ctx: &Ctx, order_number: &str) -> anyhow::Result<Option<OrderRow>> {
    // The schema's own shape for order numbers; anything else cannot exist.
    if !(10..=12).contains(&order_number.len()) || !order_number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(crate::db::orders::by_number(&ctx.db, order_number).await?)
}

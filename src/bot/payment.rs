//! Paying for a held seat: bank card link or Kaspi order number.

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;

use super::{HandlerResult, Session};
use crate::app::Ctx;

/// Shown right after a seat is held (and again from «My applications»): the payment
/// options with the time left.
pub async fn offer(_bot: &Bot, _ctx: &Ctx, _s: &Session, _application_id: i64) -> HandlerResult {
    Ok(())
}

/// Callback handlers of the payment buttons; mounted before the stale-button fallback.
pub fn callbacks() -> UpdateHandler<anyhow::Error> {
    dptree::filter(|_q: CallbackQuery| false).endpoint(|| async { Ok(()) })
}

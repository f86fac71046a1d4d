//! Where an applicant stands in onboarding: email → IIN → phone.

use crate::services::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Email,
    Iin,
    Phone,
    Done,
}

pub async fn next_step(ctx: &Ctx, telegram_user_id: i64) -> sqlx::Result<Step> {
    let applicant = crate::db::applicants::by_user(&ctx.db, telegram_user_id).await?;
    Ok(match applicant {
        None => Step::Email,
        Some(a) if a.email.is_none() => Step::Email,
        Some(a) if a.iin.is_none() => Step::Iin,
        Some(a) if a.phone.is_none() => Step::Phone,
        Some(_) => Step::Done,
    })
}

pub async fn set_phone(ctx: &Ctx, telegram_user_id: i64, phone: &crate::domain::Phone) -> sqlx::Result<bool> {
    let saved = crate::db::applicants::set_phone(&ctx.db, telegram_user_id, phone.as_str()).await?;
    tracing::info!(user = telegram_user_id, phone = %phone.masked(), "phone saved");
    Ok(saved)
}

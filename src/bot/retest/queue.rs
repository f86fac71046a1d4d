//! Staff's side in the chat: `/retests` lists the queue, shows a request with its
//! documents, and refuses with the reason in both languages.

use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use crate::bot::{HandlerResult, Session, TgBot};
use crate::callback::RetestButton;
use crate::domain::{DocumentKind, RetestStatus};
use crate::format;
use crate::services::Ctx;
use crate::services::retest::{self, Decision};

use super::button;

/// `/retests`: the pending requests, one message each with the approval button; the
/// documents open in the console (`/console`, «Retest requests»).
pub async fn staff_queue(bot: &TgBot, ctx: &Ctx, s: &Session) -> HandlerResult {
    let l = s.locale;
    let (rows, total) = retest::queue(ctx, s.user_id, 10).await?;
    if rows.is_empty() {
        bot.send_message(s.chat_id, ctx.i18n.t(l, "retest-staff-empty")).await?;
        return Ok(());
    }
    bot.send_message(s.chat_id, ctx.i18n.f(l, "retest-staff-title", &[("n", total.into())])).await?;
    for r in rows {
        send_item(bot, ctx, s, &r).await?;
    }
    Ok(())
}

/// A request as staff read it, with the approval button while it is pending.
async fn send_item(
    bot: &TgBot,
    ctx: &Ctx,
    s: &Session,
    r: &crate::services::retest::Request,
) -> HandlerResult {
    let l = s.locale;
    let args = [
        ("request", r.id.into()),
        ("id", r.application_id.into()),
        ("name", r.full_name.clone().unwrap_or_default().into()),
        ("iin", r.iin.as_deref().map(mask).unwrap_or_default().into()),
        ("reason", ctx.i18n.t(l, r.reason.fluent_id()).into()),
        ("city", r.city.text(l).into()),
        ("when", format::date_time(r.missed_at, ctx.config.timezone, l).into()),
        ("n", r.documents.into()),
    ];
    let mut request = bot.send_message(s.chat_id, ctx.i18n.f(l, "retest-staff-item", &args));
    if r.status == RetestStatus::Pending {
        let approve = button(ctx.i18n.t(l, "retest-staff-approve"), RetestButton::Approve(r.id));
        request = request.reply_markup(InlineKeyboardMarkup::new([[approve]]));
    }
    request.await?;
    Ok(())
}

/// `/retests <№>`: one request with its documents, sent by their Telegram file ids (the bot
/// keeps no copy); the view and each document are audited.
pub async fn staff_show(bot: &TgBot, ctx: &Ctx, s: &Session, id: i64) -> HandlerResult {
    let l = s.locale;
    let Some((r, docs)) = retest::request(ctx, s.user_id, id).await? else {
        bot.send_message(s.chat_id, ctx.i18n.f(l, "retest-staff-not-pending", &[("request", id.into())]))
            .await?;
        return Ok(());
    };
    send_item(bot, ctx, s, &r).await?;
    for d in docs {
        let caption = ctx.i18n.f(l, "console-retest-document", &[("n", d.position.into())]);
        let file = teloxide::types::InputFile::file_id(teloxide::types::FileId(d.file_id.clone()));
        if DocumentKind::parse(&d.kind) == Some(DocumentKind::Photo) {
            bot.inner().send_photo(s.chat_id, file).caption(caption).await?;
        } else {
            bot.inner().send_document(s.chat_id, file).caption(caption).await?;
        }
        retest::document_shown(ctx, s.user_id, id, d.position).await?;
    }
    Ok(())
}

fn mask(iin: &str) -> String {
    crate::domain::Iin::parse(iin).map(|i| i.masked()).unwrap_or_default()
}

/// `/retests refuse <request> <reason in Kazakh> | <reason in Russian>`.
pub async fn staff_refuse(bot: &TgBot, ctx: &Ctx, s: &Session, arg: &str) -> HandlerResult {
    let l = s.locale;
    let Some((request, note)) = parse_refusal(arg) else {
        bot.send_message(s.chat_id, ctx.i18n.t(l, "retest-staff-usage")).await?;
        return Ok(());
    };
    let key = match retest::refuse(ctx, s.user_id, request, note).await? {
        Decision::Done => "retest-staff-refused",
        Decision::NotPending => "retest-staff-not-pending",
    };
    bot.send_message(s.chat_id, ctx.i18n.f(l, key, &[("request", request.into())])).await?;
    Ok(())
}

/// `refuse 12 kk text | ru text` → the request and the reason in both languages (neither empty).
pub fn parse_refusal(arg: &str) -> Option<(i64, crate::i18n::Bilingual<String>)> {
    let rest = arg.trim().strip_prefix("refuse")?.trim_start();
    let (id, text) = rest.split_once(char::is_whitespace)?;
    let id = id.trim_start_matches('№').parse().ok()?;
    let (kk, ru) = text.split_once('|')?;
    let (kk, ru) = (kk.trim(), ru.trim());
    (!kk.is_empty() && !ru.is_empty())
        .then(|| (id, crate::i18n::Bilingual::new(kk.to_string(), ru.to_string())))
}

/// Whether `/retests …` refuses (an admin's action) rather than lists.
pub fn is_refusal(arg: &str) -> bool {
    arg.trim_start().starts_with("refuse")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn a_refusal_names_the_request_and_both_reasons() {
        let (id, note) = parse_refusal("refuse 12 Құжат жоқ | Нет документа").unwrap();
        assert_eq!(id, 12);
        assert_eq!(note.get(Locale::Kk), "Құжат жоқ");
        assert_eq!(note.get(Locale::Ru), "Нет документа");
        assert!(parse_refusal("refuse 12 only one language").is_none());
        assert!(parse_refusal("refuse x a | b").is_none());
        assert!(parse_refusal("refuse 12 | b").is_none());
        assert!(is_refusal(" refuse 1") && !is_refusal(""));
    }
}

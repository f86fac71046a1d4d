//! One rule in one place: a staff action behaves the same whichever channel staff use (the
//! bot or the console), and one permission table decides who may take it. Each test here
//! drove out a disagreement the code review found between the two channels.

use chrono::{DateTime, Duration, Utc};
use ent_bot::bot::staff::{MENU, StaffCommand};
use ent_bot::domain::{Role, StaffAction};
use ent_bot::i18n::Locale;
use reqwest::StatusCode;
use teloxide::utils::command::BotCommands;

use crate::console::{ADMIN, OPERATOR, console_app, paid_applicant, scalar, sign_in};
use crate::helpers::TestApp;

async fn starts_at(app: &TestApp, application: i64) -> DateTime<Utc> {
    scalar(app, &format!("SELECT s.starts_at FROM applications a JOIN slots s ON s.id = a.slot_id WHERE a.id = {application}"))
        .await
}

async fn status(app: &TestApp, application: i64) -> String {
    scalar(app, &format!("SELECT status::text FROM applications WHERE id = {application}")).await
}

#[tokio::test]
async fn a_console_no_show_tells_the_applicant_what_the_bots_does() {
    let (app, admin, _) = console_app().await;
    let (by_bot, first, _) = paid_applicant(&app, 7101).await;
    let (by_console, second, _) = paid_applicant(&app, 7102).await;
    app.clock.set(starts_at(&app, first).await + Duration::hours(3));
    let notice = |id: i64| {
        let args = [("id", id.into()), ("support", "support@ent.test".into())];
        app.ctx().i18n.f(Locale::Ru, "noshow-notice", &args)
    };

    admin.send(&format!("/noshow {first}")).await;
    by_bot.wait_for("the bot's no-show notice", |m| m.text == notice(first)).await;

    // Before: the console ran an UPDATE of its own and told the applicant nothing.
    let browser = sign_in(&app, &admin).await;
    let csrf = browser.csrf().await;
    let (code, page) =
        browser.post(&format!("/console/applications/{second}/noshow"), &[("csrf", &csrf)]).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    assert_eq!(status(&app, second).await, "no_show");
    by_console.wait_for("the same notice from a console no-show", |m| m.text == notice(second)).await;
    let audited: i64 = scalar(
        &app,
        &format!(
            "SELECT count(*) FROM audit_log WHERE action = 'no_show' AND target = 'application:{second}'"
        ),
    )
    .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn staff_withdraw_in_either_channel_follows_the_applicants_rules_and_tells_him() {
    let (app, admin, _) = console_app().await;
    let (in_console, first, _) = paid_applicant(&app, 7111).await;
    let (in_bot, second, _) = paid_applicant(&app, 7112).await;
    let withdrawn = |id: i64| {
        let args = [("id", id.into()), ("email", "uto@testcenter.kz".into())];
        app.ctx().i18n.f(Locale::Ru, "history-withdrawn-refund", &args)
    };
    let browser = sign_in(&app, &admin).await;
    let csrf = browser.csrf().await;

    // Before the test: withdrawn, and the applicant reads what the bot shows when he
    // withdraws himself (before: the console only emailed, and only when refundable).
    let (code, page) =
        browser.post(&format!("/console/applications/{first}/withdraw"), &[("csrf", &csrf)]).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    assert_eq!(status(&app, first).await, "withdrawn");
    in_console.wait_for("the withdrawal message", |m| m.text == withdrawn(first)).await;
    assert_eq!(app.smtp.mails_to("fixture7111@mail.kz").len(), 1, "refund instructions emailed");

    // The bot's /withdraw is the same use case.
    admin.send(&format!("/withdraw {second}")).await;
    assert!(admin.last_text().starts_with(&format!("Заявление №{second} отозвано")), "{}", admin.last_text());
    in_bot.wait_for("the withdrawal message", |m| m.text == withdrawn(second)).await;

    // Once the test has begun the console no longer offers it, and refuses it.
    let (_, third, _) = paid_applicant(&app, 7113).await;
    app.clock.set(starts_at(&app, third).await + Duration::minutes(5));
    // Weeks later: the console session has ended; sign in again.
    let browser = sign_in(&app, &admin).await;
    let csrf = browser.csrf().await;
    let (_, detail) = browser.get(&format!("/console/applications/{third}")).await;
    assert!(!detail.contains(&format!("/console/applications/{third}/withdraw")), "{detail}");
    assert!(detail.contains(&format!("/console/applications/{third}/noshow")), "a no-show instead: {detail}");
    let (code, page) =
        browser.post(&format!("/console/applications/{third}/withdraw"), &[("csrf", &csrf)]).await;
    assert_eq!(code, StatusCode::OK);
    assert!(page.contains(&format!("Не сделано: заявление №{third}")), "{page}");
    assert_eq!(status(&app, third).await, "paid");
    admin.send(&format!("/withdraw {third}")).await;
    assert_eq!(
        admin.last_text(),
        format!(
            "Заявление №{third} отозвать нельзя: отозвать можно только оплаченное заявление и только до начала тестирования."
        )
    );
    assert_eq!(status(&app, third).await, "paid");
}

#[tokio::test]
async fn an_eleven_digit_phone_is_a_phone_in_both_channels() {
    let (app, admin, _) = console_app().await;
    let (_, application, _) = paid_applicant(&app, 7121).await;
    // The fixture's phone is +77010007121; people type it as 8 701 …
    admin.send("/find 87010007121").await;
    assert!(admin.last_text().contains(&format!("№{application}")), "{}", admin.transcript());
    let browser = sign_in(&app, &admin).await;
    let csrf = browser.csrf().await;
    // Before: the console took any 10+ digits for an order number and found nothing.
    let (_, list) = browser.post("/console/applications", &[("csrf", &csrf), ("q", "87010007121")]).await;
    assert!(list.contains(&format!("/console/applications/{application}")), "{list}");
    let (_, none) = browser.post("/console/applications", &[("csrf", &csrf), ("q", "Тестов")]).await;
    assert!(!none.contains(&format!("/console/applications/{application}\"")), "a name is not searchable");
}

#[tokio::test]
async fn a_forged_broadcast_status_reaches_nobody() {
    let (app, admin, _) = console_app().await;
    paid_applicant(&app, 7131).await;
    admin.send("/broadcast").await;
    let menu = admin.last();
    // Before: any `bc:s:<anything>` was taken as an audience and went on to ask for a text.
    admin.press_data(menu.message_id, "bc:s:everyone").await;
    assert_ne!(
        admin.last_text(),
        app.ctx().i18n.t(Locale::Ru, "broadcast-text-ask"),
        "{}",
        admin.transcript()
    );
    admin.send("Сообщение для всех").await;
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM broadcasts").await, 0);
    // A real status is taken.
    admin.press_data(menu.message_id, "bc:s:paid").await;
    assert_eq!(
        admin.last_text(),
        app.ctx().i18n.t(Locale::Ru, "broadcast-text-ask"),
        "{}",
        admin.transcript()
    );
}

/// Every staff command, sent by an operator and by an admin: refused as admin-only
/// exactly when the permission table says so.
#[tokio::test]
async fn every_bot_command_follows_the_permission_table() {
    let (app, admin, operator) = console_app().await;
    let admin_only = app.ctx().i18n.t(Locale::Ru, "staff-admin-only");
    let mut walked = vec![];
    for (name, action) in MENU {
        // Arguments that change nothing: an unknown application, order or member.
        let args = match name {
            "noshow" | "withdraw" => " 999999",
            "markpaid" => " 123",
            _ => "",
        };
        let text = format!("/{name}{args}");
        let parsed = StaffCommand::parse(&text, "").unwrap_or_else(|_| panic!("{text} parses"));
        assert_eq!(parsed.action(), action, "{text}: the menu names the action the command takes");
        operator.send(&text).await;
        assert_eq!(
            operator.last_text() == admin_only,
            action.needs() == Role::Admin,
            "{text} as operator: {}",
            operator.last_text()
        );
        admin.send(&text).await;
        assert_ne!(admin.last_text(), admin_only, "{text} as admin");
        walked.push(action);
    }
    // `/noshow undo` is an action of its own.
    operator.send("/noshow undo 999999").await;
    assert_eq!(operator.last_text(), admin_only);
    walked.push(StaffAction::UndoNoShow);
    // So is refusing a retest (`/retests` alone lists the queue).
    operator.send("/retests refuse 999999 себеп | причина").await;
    assert_eq!(operator.last_text(), admin_only);
    admin.send("/retests refuse 999999 себеп | причина").await;
    assert_ne!(admin.last_text(), admin_only);
    walked.push(StaffAction::DecideRetest);
    assert_eq!(StaffCommand::bot_commands().len(), MENU.len(), "every command is in the menu");
    let bot_actions: std::collections::HashSet<_> = walked.into_iter().collect();
    for action in [StaffAction::MarkPaid, StaffAction::NoShow, StaffAction::Withdraw, StaffAction::Find] {
        assert!(bot_actions.contains(&action), "{action:?} walked");
    }
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM staff").await, 2, "nothing changed");
    let _ = (ADMIN, OPERATOR);
}

/// Every console route, as an operator and as an admin: 403 exactly when the permission
/// table says the action is an admin's.
#[tokio::test]
async fn every_console_route_follows_the_permission_table() {
    let (app, admin, operator) = console_app().await;
    let (_, application, slot) = paid_applicant(&app, 7141).await;
    let operator_b = sign_in(&app, &operator).await;
    let admin_b = sign_in(&app, &admin).await;
    let a = application;
    let gets: Vec<(String, StaffAction)> = vec![
        ("/console/".into(), StaffAction::Stats),
        ("/console/overview/live".into(), StaffAction::Stats),
        ("/console/applications".into(), StaffAction::Find),
        (format!("/console/applications/{a}"), StaffAction::Find),
        (format!("/console/applications/{a}/markpaid"), StaffAction::MarkPaid),
        (format!("/console/applications/{a}/noshow"), StaffAction::NoShow),
        (format!("/console/applications/{a}/withdraw"), StaffAction::Withdraw),
        ("/console/slots".into(), StaffAction::Slots),
        (format!("/console/slots/{slot}"), StaffAction::ChangeSlot),
        ("/console/refunds".into(), StaffAction::Refunds),
        ("/console/exports".into(), StaffAction::Export),
        ("/console/exports/download?format=csv".into(), StaffAction::Export),
        ("/console/audit".into(), StaffAction::AuditLog),
        ("/console/broadcast".into(), StaffAction::Broadcast),
        ("/console/retests".into(), StaffAction::Retests),
        ("/console/session".into(), StaffAction::Session),
    ];
    for (path, action) in &gets {
        let (code, _) = operator_b.get(path).await;
        let refused = code == StatusCode::FORBIDDEN;
        assert_eq!(refused, action.needs() == Role::Admin, "GET {path} as operator: {code}");
        assert_eq!(admin_b.get(path).await.0, StatusCode::OK, "GET {path} as admin");
    }
    let csrf = operator_b.csrf().await;
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f = vec![("csrf", csrf.clone())];
        f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        f
    };
    let slot_form = [("capacity", "30"), ("date", "2027-01-11"), ("time", "09:00"), ("venue", "1")];
    type Form = Vec<(&'static str, String)>;
    let posts: Vec<(String, StaffAction, Form)> = vec![
        ("/console/applications".into(), StaffAction::Find, form(&[("q", "")])),
        (format!("/console/applications/{a}/markpaid"), StaffAction::MarkPaid, form(&[])),
        (format!("/console/applications/{a}/noshow"), StaffAction::NoShow, form(&[])),
        (format!("/console/applications/{a}/withdraw"), StaffAction::Withdraw, form(&[])),
        (format!("/console/slots/{slot}/preview"), StaffAction::ChangeSlot, form(&slot_form)),
        (format!("/console/slots/{slot}"), StaffAction::ChangeSlot, form(&slot_form)),
        ("/console/refunds/1/done".into(), StaffAction::RefundDone, form(&[])),
        (
            "/console/broadcast/preview".into(),
            StaffAction::Broadcast,
            form(&[("audience", "all"), ("text", "hi")]),
        ),
        (
            "/console/broadcast/send".into(),
            StaffAction::Broadcast,
            form(&[("audience", "all"), ("text", "hi")]),
        ),
        ("/console/retests/999999/approve".into(), StaffAction::DecideRetest, form(&[])),
        (
            "/console/retests/999999/refuse".into(),
            StaffAction::DecideRetest,
            form(&[("note_kk", "себеп"), ("note_ru", "причина")]),
        ),
        (
            "/console/late-registrations".into(),
            StaffAction::LateRegistration,
            form(&[("iin", "080315600016"), ("hours", "24")]),
        ),
    ];
    let campaign: String = scalar(&app, "SELECT code FROM campaigns").await;
    let posts = [
        posts,
        vec![
            (
                format!("/console/session/{campaign}/settings"),
                StaffAction::EditSession,
                form(&[("fee_tenge", "1")]),
            ),
            (format!("/console/session/{campaign}/venue"), StaffAction::EditSession, form(&[("code", "x")])),
            (format!("/console/session/{campaign}/apply"), StaffAction::EditSession, form(&[("text", "")])),
        ],
    ]
    .concat();
    let upload = [("csrf", csrf.as_str()), ("kind", "venues")];
    let (code, _) =
        operator_b.post_file(&format!("/console/session/{campaign}/sheet"), &upload, ("v.csv", b"x")).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "a sheet upload as operator");
    for (path, action, form) in &posts {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (code, _) = operator_b.post(path, &form).await;
        assert_eq!(
            code == StatusCode::FORBIDDEN,
            action.needs() == Role::Admin,
            "POST {path} as operator: {code}"
        );
    }
    assert_eq!(status(&app, application).await, "paid", "nothing an operator sent changed it");
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM broadcasts").await, 0);
    assert_eq!(scalar::<i64>(&app, "SELECT count(*) FROM late_registrations").await, 0);
}

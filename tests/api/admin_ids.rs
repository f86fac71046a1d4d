//! `ADMIN_IDS` bootstraps admins who were never staff; a `/staff remove` or a demotion
//! stands across restarts (security review finding 16).

use crate::helpers::logs::captured_logs;
use crate::helpers::{TestApp, spawn_app_with};

const UNKNOWN: &str = "Такой команды нет. Подсказка: /help";

async fn role(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT role::text FROM staff WHERE telegram_user_id = $1")
        .bind(id)
        .fetch_optional(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_removed_or_demoted_bootstrapped_admin_stays_so_after_a_restart() {
    let logs = captured_logs();
    let mut app = spawn_app_with(&[("ADMIN_IDS", "91601,91602,91603")]).await;
    let admin = app.applicant_fixture(91601, "ru").await;
    let removed = app.applicant_fixture(91602, "ru").await;
    let demoted = app.applicant_fixture(91603, "ru").await;
    let newcomer = app.applicant_fixture(91604, "ru").await;
    removed.send("/find 080315600016").await;
    assert_eq!(removed.last_text(), "Ничего не найдено.", "an admin from ADMIN_IDS");

    admin.send("/staff remove 91602").await;
    assert_eq!(admin.last_text(), "Пользователь 91602 удалён из списка сотрудников.");
    admin.send("/staff add 91603 operator").await;
    assert_eq!(admin.last_text(), "Пользователь 91603 добавлен: оператор.");
    removed.send("/find 080315600016").await;
    assert_eq!(removed.last_text(), UNKNOWN);

    // The next deploy, with one more id in the list.
    app.set_env("ADMIN_IDS", "91601,91602,91603,91604");
    app.restart().await;

    removed.send("/find 080315600016").await;
    assert_eq!(removed.last_text(), UNKNOWN, "still not staff after the restart");
    assert_eq!(role(&app, 91602).await, None);
    demoted.send("/closedb").await;
    assert_eq!(demoted.last_text(), "Эта команда только для администратора.", "still an operator");
    assert_eq!(role(&app, 91603).await.as_deref(), Some("operator"));
    newcomer.send("/find 080315600016").await;
    assert_eq!(newcomer.last_text(), "Ничего не найдено.", "a new id in ADMIN_IDS is an admin");
    assert_eq!(role(&app, 91604).await.as_deref(), Some("admin"));
    let text = logs.text();
    assert!(
        text.lines()
            .any(|l| l.contains("WARN") && l.contains("telegram_user_id=91602") && l.contains("ADMIN_IDS")),
        "the stale ADMIN_IDS entry is named in a warning"
    );

    // Another admin's /staff add is how he comes back; ADMIN_IDS then leaves his role alone.
    admin.send("/staff add 91602 operator").await;
    app.restart().await;
    removed.send("/find 080315600016").await;
    assert_eq!(removed.last_text(), "Ничего не найдено.", "staff again");
    assert_eq!(role(&app, 91602).await.as_deref(), Some("operator"));
}

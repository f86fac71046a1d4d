//! Staff commands act on an explicit campaign: by default the latest one whose registration
//! has opened (not a session planned for later), or the one named by its code; the answer
//! says which.

use chrono::Duration;

use crate::helpers::{TestApp, TestUser, spawn_app_with};

/// A fixture applicant with a paid application in the campaign `code`.
pub(crate) async fn paid_in(app: &TestApp, id: u64, locale: &str, code: &str) -> (TestUser, i64) {
    let user = app.applicant_fixture(id, locale).await;
    let application: i64 = sqlx::query_scalar(
        "WITH slot AS (
             SELECT s.id, s.campaign_id FROM slots s JOIN campaigns c ON c.id = s.campaign_id
             WHERE c.code = $2 ORDER BY s.starts_at, s.id LIMIT 1
         ), seat AS (
             UPDATE slots SET booked = booked + 1 WHERE id = (SELECT id FROM slot) RETURNING id
         )
         INSERT INTO applications (applicant_id, campaign_id, category_id, test_language, combination_id, slot_id,
                                   status, payment_deadline, paid_at)
         SELECT ap.id, slot.campaign_id, (SELECT min(id) FROM categories), 'ru',
                (SELECT min(id) FROM subject_combinations), seat.id, 'paid', now(), now()
         FROM applicants ap, slot, seat WHERE ap.telegram_user_id = $1
         RETURNING id",
    )
    .bind(id as i64)
    .bind(code)
    .fetch_one(app.pool())
    .await
    .unwrap();
    (user, application)
}

#[tokio::test]
async fn staff_commands_use_the_latest_opened_campaign_unless_told_and_say_which() {
    let app = spawn_app_with(&[("ADMIN_IDS", "9501")]).await;
    app.seed().await;
    let admin = app.applicant_fixture(9501, "ru").await;
    let (january_code, january): (String, String) =
        sqlx::query_as("SELECT code, name_ru FROM campaigns").fetch_one(app.pool()).await.unwrap();
    paid_in(&app, 7501, "ru", &january_code).await;
    // The next session is planned ahead; January's registration has closed since.
    sqlx::query(
        "INSERT INTO campaigns (code, name_kk, name_ru, registration_opens_at, registration_closes_at, fee_tenge)
         VALUES ('ent-2027-06', 'ҰБТ — маусым 2027', 'ЕНТ — июнь 2027', $1 + interval '60 days',
                 $1 + interval '70 days', 5640)",
    )
    .bind(app.clock.now())
    .execute(app.pool())
    .await
    .unwrap();
    app.clock.advance(Duration::days(10));

    admin.send("/stats").await;
    let stats = admin.last_text();
    assert!(stats.starts_with(&format!("📊 {january}")), "not the session planned for June: {stats}");
    assert!(stats.contains("оплачены 1"), "{stats}");
    admin.send("/slots").await;
    assert!(admin.last_text().contains(&january), "{}", admin.last_text());
    admin.send("/notify all Завтра пункт открывается в 8:00").await;
    assert_eq!(admin.last_text(), format!("Сообщение в очереди ({january}): 1 заявитель."));
    admin.send("/closedb").await;
    assert!(
        admin.last_text().starts_with(&format!("Закрыть базу данных «{january}»?")),
        "{}",
        admin.last_text()
    );
    admin.press("Нет").await;

    // Another campaign by its code.
    admin.send("/stats ent-2027-06").await;
    let june = admin.last_text();
    assert!(june.starts_with("📊 ЕНТ — июнь 2027"), "{june}");
    assert!(june.contains("оплачены 0"), "{june}");
    admin.send("/closedb ent-2027-06").await;
    assert!(admin.last_text().starts_with("Закрыть базу данных «ЕНТ — июнь 2027»?"), "{}", admin.last_text());
    admin.press("Нет").await;
    admin.send("/stats ent-1999-01").await;
    assert_eq!(
        admin.last_text(),
        format!("Период ent-1999-01 не найден. Есть: {january_code}, ent-2027-06.")
    );
    let closed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM campaigns WHERE database_closed_at IS NOT NULL")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(closed, 0);
}

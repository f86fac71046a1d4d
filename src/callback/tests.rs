use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::domain::Sex;

#[test]
fn reads_the_buttons_already_in_chats() {
    let cases = [
        ("lang:kk", Callback::Lang(Locale::Kk)),
        ("w:3:v:12", Callback::Wizard { seq: 3, action: WizardAction::Pick("12".into()) }),
        ("w:3:v:20270111", Callback::Wizard { seq: 3, action: WizardAction::Pick("20270111".into()) }),
        ("w:9:b", Callback::Wizard { seq: 9, action: WizardAction::Back }),
        ("w:9:p:2", Callback::Wizard { seq: 9, action: WizardAction::Page(2) }),
        ("w:9:ok", Callback::Wizard { seq: 9, action: WizardAction::RulesAccepted }),
        ("h:v:17", Callback::History(HistoryButton::View(17))),
        ("h:sl:17:kk", Callback::History(HistoryButton::SetLanguage(17, "kk".into()))),
        ("h:sc:17:4", Callback::History(HistoryButton::SetCombination(17, 4))),
        ("h:l:0", Callback::History(HistoryButton::List { page: 0 })),
        ("pay:card:17", Callback::Pay { method: Method::Card, application: 17 }),
        ("em:resend", Callback::Email(EmailButton::Resend)),
        ("iin:y:080315600016", Callback::Iin { yes: true, iin: Iin::parse("080315600016").unwrap() }),
        ("rb:080315600016", Callback::Rebind(Iin::parse("080315600016").unwrap())),
        ("adm:closedb:2", Callback::CloseDb(Some(2))),
        ("adm:no", Callback::CloseDb(None)),
        ("bc:a:slot", Callback::Broadcast(BroadcastButton::Audience(AudienceKind::Slot))),
        ("bc:s:no_show", Callback::Broadcast(BroadcastButton::Status(ApplicationStatus::NoShow))),
        ("bc:send", Callback::Broadcast(BroadcastButton::Send)),
        ("rt:a:17", Callback::Retest(RetestButton::Ask(17))),
        ("rt:r:17:olympiad", Callback::Retest(RetestButton::Reason(17, RetestReason::Olympiad))),
        ("rt:ok:3", Callback::Retest(RetestButton::Approve(3))),
        (
            "rt:dt:3:5:20270113",
            Callback::Retest(RetestButton::Date(3, 5, NaiveDate::from_ymd_opt(2027, 1, 13).unwrap())),
        ),
        ("rt:t:3:99", Callback::Retest(RetestButton::Slot(3, 99))),
        ("w:9:wl", Callback::Wizard { seq: 9, action: WizardAction::Waitlist }),
        ("wl:q", Callback::Waitlist(WaitlistButton::Close)),
        ("wl:x:5", Callback::Waitlist(WaitlistButton::Leave(5))),
        ("wo:y:7", Callback::Waitlist(WaitlistButton::Offer { offer: 7, accept: true })),
        ("wo:n:7", Callback::Waitlist(WaitlistButton::Offer { offer: 7, accept: false })),
        (
            "wl:p:1.kk.3.4.20270111.0",
            Callback::Waitlist(WaitlistButton::Pick(WaitlistPick {
                category: 1,
                language: "kk".into(),
                combination: 3,
                city: Some(4),
                date: NaiveDate::from_ymd_opt(2027, 1, 11),
                slot: Some(None),
            })),
        ),
    ];
    for (data, button) in cases {
        assert_eq!(data.parse::<Callback>(), Ok(button.clone()), "{data}");
        assert_eq!(button.to_string(), data);
    }
}

#[test]
fn refuses_what_no_button_writes() {
    for data in [
        "",
        "w:x:c",
        "w:1:v:",
        "w:1:zz",
        "w:1:b:",
        "h:pay:x",
        "h:",
        "h:v:1:2",
        "h:sl:1:",
        "pay:cash:17",
        "pay:card:x",
        "lang:en",
        "em:other",
        "iin:y:080315600017",
        "iin:y:0803 1560 0016",
        "adm:closedb:x",
        "adm:yes",
        "bc:s:lost",
        "bc:a:everyone",
        "bc:c:x",
        "rt:ok",
        "rt:ok:x",
        "rt:r:1:holiday",
        "rt:dt:1:2:2027011",
        "rt:a:1:2",
        "wl:p:1.kk",
        "wl:p:1.KK.3",
        "wl:p:1.kk.3.4.2027011.5",
        "wl:p:1.kk.3.4.20271311",
        "wl:p:1.kk.3.4.20270111.5.6",
        "wl:x:",
        "wo:m:7",
        "wo:y:x",
        "zz:1",
    ] {
        assert_eq!(data.parse::<Callback>(), Err(UnknownButton), "{data:?}");
    }
}

fn any_iin() -> impl Strategy<Value = Iin> {
    (1900i32..2025, 1u32..=12, 1u32..=28, any::<bool>(), 0u16..=9999).prop_filter_map(
        "no IIN for that serial",
        |(y, m, d, male, serial)| {
            let sex = if male { Sex::Male } else { Sex::Female };
            Iin::from_parts(NaiveDate::from_ymd_opt(y, m, d)?, sex, serial)
        },
    )
}

fn any_wizard_action() -> impl Strategy<Value = WizardAction> {
    prop_oneof![
        any::<i64>().prop_map(|id| WizardAction::Pick(id.to_string())),
        (1000u32..=9999, 1u32..=12, 1u32..=31)
            .prop_map(|(y, m, d)| WizardAction::Pick(format!("{y:04}{m:02}{d:02}"))),
        "[a-z]{2,8}".prop_map(WizardAction::Pick),
        any::<u16>().prop_map(WizardAction::Page),
        prop::sample::select(vec![
            WizardAction::Back,
            WizardAction::Cancel,
            WizardAction::Info,
            WizardAction::Rules,
            WizardAction::RulesAccepted,
            WizardAction::Confirm,
            WizardAction::Waitlist,
        ]),
    ]
}

fn any_history_button() -> impl Strategy<Value = HistoryButton> {
    use HistoryButton::*;
    let plain: [fn(i64) -> HistoryButton; 8] =
        [View, Pay, Cancel, CancelConfirmed, EditLanguage, EditCombination, Withdraw, WithdrawConfirmed];
    prop_oneof![
        any::<usize>().prop_map(|page| List { page }),
        (prop::sample::select(plain.to_vec()), any::<i64>()).prop_map(|(make, id)| make(id)),
        (any::<i64>(), "[a-z]{2,8}").prop_map(|(id, code)| SetLanguage(id, code)),
        (any::<i64>(), any::<i16>()).prop_map(|(id, c)| SetCombination(id, c)),
    ]
}

fn any_broadcast_button() -> impl Strategy<Value = BroadcastButton> {
    prop_oneof![
        prop::sample::select(AudienceKind::ALL.to_vec()).prop_map(BroadcastButton::Audience),
        prop::sample::select(ApplicationStatus::ALL.to_vec()).prop_map(BroadcastButton::Status),
        any::<i32>().prop_map(BroadcastButton::City),
        any::<i32>().prop_map(BroadcastButton::Venue),
        Just(BroadcastButton::Send),
        Just(BroadcastButton::Cancel),
    ]
}

fn any_retest_button() -> impl Strategy<Value = RetestButton> {
    use RetestButton::*;
    let plain: [fn(i64) -> RetestButton; 7] = [Ask, Done, Send, Cancel, Approve, Pick, Ask];
    prop_oneof![
        (prop::sample::select(plain.to_vec()), any::<i64>()).prop_map(|(make, id)| make(id)),
        (any::<i64>(), prop::sample::select(RetestReason::ALL.to_vec())).prop_map(|(id, r)| Reason(id, r)),
        (any::<i64>(), any::<i32>()).prop_map(|(id, c)| City(id, c)),
        (any::<i64>(), any::<i32>(), 1000i32..=9999, 1u32..=12, 1u32..=28).prop_map(|(id, c, y, m, d)| Date(
            id,
            c,
            NaiveDate::from_ymd_opt(y, m, d).unwrap()
        )),
        (any::<i64>(), any::<i64>()).prop_map(|(id, slot)| Slot(id, slot)),
    ]
}

fn any_callback() -> impl Strategy<Value = Callback> {
    prop_oneof![
        prop::sample::select(Locale::ALL.to_vec()).prop_map(Callback::Lang),
        (any::<u64>(), any_wizard_action()).prop_map(|(seq, action)| Callback::Wizard { seq, action }),
        any_history_button().prop_map(Callback::History),
        (any::<bool>(), any::<i64>()).prop_map(|(card, application)| Callback::Pay {
            method: if card { Method::Card } else { Method::Kaspi },
            application,
        }),
        prop::sample::select(vec![EmailButton::Resend, EmailButton::Change]).prop_map(Callback::Email),
        (any::<bool>(), any_iin()).prop_map(|(yes, iin)| Callback::Iin { yes, iin }),
        any_iin().prop_map(Callback::Rebind),
        any::<Option<i64>>().prop_map(Callback::CloseDb),
        any_broadcast_button().prop_map(Callback::Broadcast),
        any_retest_button().prop_map(Callback::Retest),
        waitlist::any_button().prop_map(Callback::Waitlist),
    ]
}

proptest! {
    /// Every button the bot can write reads back whole and fits Telegram's 64 bytes.
    #[test]
    fn any_button_round_trips_within_telegram_limits(button in any_callback()) {
        let data = button.to_string();
        prop_assert!(data.len() <= 64 && data.is_ascii(), "{}", data);
        prop_assert_eq!(data.parse::<Callback>(), Ok(button));
    }
}

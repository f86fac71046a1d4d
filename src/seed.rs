//! `ent-bot seed demo`: reference data and a January campaign open now, so a sandbox is
//! usable at once. Idempotent: rows are keyed by their natural keys and never overwritten,
//! and everything time-dependent is derived from the campaign as first stored, so a second
//! run (even days later) inserts nothing.

use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};

use crate::db::reference as store;
use crate::domain::{Iin, Sex};

pub struct SeedReport {
    pub inserted: u64,
    pub campaign_code: String,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "demo data: {} rows inserted (campaign {})", self.inserted, self.campaign_code)
    }
}

/// The ENT-FACTS §6 worked example, so demos and manual tests have a number to type.
pub const DEMO_PERSON_IIN: &str = "080315600016";
const DEMO_PERSON: (&str, &str, &str) = ("Сейтқали", "Айгерим", "Нұрланқызы");

const FEE_TENGE: i32 = 5640;
const SLOT_TIMES: [(u32, u32); 2] = [(9, 0), (14, 0)];
const SLOT_DAYS: i64 = 7;
const SYNTHETIC_PERSONS: usize = 50;

/// A participant category: a short label for the button (one line on a phone) and the
/// full official wording, shown on request and in the summary.
pub struct Category {
    pub code: &'static str,
    pub short_kk: &'static str,
    pub short_ru: &'static str,
    pub name_kk: &'static str,
    pub name_ru: &'static str,
}

/// The eight categories of the January session (ENT-FACTS §4.1), in the NCT's order. The
/// wording of the four the 2022 instruction lists is the instruction's, in the nominative
/// (it continued «для следующих лиц:»); the other four follow the 2025–26 NCT lists, except
/// the Russian name of the ethnic-Kazakh category, which is the Rules' own: a stateless ethnic
/// Kazakh is not a «иностранный гражданин» (FACTS-2026-UPDATE §5.1 no. 5).
pub const CATEGORIES: [Category; 8] = [
    Category {
        code: "graduate",
        short_kk: "Биылғы мектеп бітіруші",
        short_ru: "Выпускник школы этого года",
        name_kk: "ЖОО-ға өз қалауы бойынша ақылы негізде қабылдану үшін орта білім беру ұйымдарының \
                  11 (12) бітіруші сыныптарында білім алушылар",
        name_ru: "Обучающиеся выпускных 11 (12) классов организаций среднего образования для \
                  зачисления в ОВПО на платной основе по желанию",
    },
    Category {
        code: "paid_enrolled",
        short_kk: "ЖОО-ға шартты түрде қабылданған",
        short_ru: "Условно зачисленный в вуз",
        name_kk: "ЖОО-ға күндізгі оқу нысаны бойынша ақылы негізде қабылданған, ҰБТ нәтижелері \
                  бойынша шекті балл жинамаған, ҰБТ нәтижелері бейіндік пәндердің сәйкес келмейтін \
                  комбинациясымен, ҰБТ нәтижелері жойылған, күнтізбелік жыл ішінде ЖОО-ға ақылы \
                  негізде әрі қарай қабылдану үшін тұлғалар",
        name_ru: "Зачисленные в ОВПО по очной форме обучения на платной основе, не набравшие \
                  пороговый балл по результатам ЕНТ, с результатами ЕНТ с несоответствующими \
                  комбинациями профильных предметов, с аннулированными результатами ЕНТ для \
                  дальнейшего зачисления в ОВПО на платной основе в календарном году",
    },
    Category {
        code: "college",
        short_kk: "Колледж бітіруші",
        short_ru: "Выпускник колледжа",
        name_kk: "ЖОО-ға ақылы негізде түсу үшін техникалық және кәсіптік, орта білімнен кейінгі \
                  білім беру ұйымдарының (колледждердің) түлектері",
        name_ru: "Выпускники организаций технического и профессионального, послесреднего \
                  образования (колледжей) для поступления в ОВПО на платной основе",
    },
    Category {
        code: "previous_years",
        short_kk: "Өткен жылдары мектеп бітірген",
        short_ru: "Выпускник школы прошлых лет",
        name_kk: "ЖОО-ға ақылы негізде түсу үшін орта білім беру ұйымдарын өткен жылдары бітіргендер",
        name_ru: "Выпускники организаций среднего образования прошлых лет для поступления в ОВПО \
                  на платной основе",
    },
    Category {
        code: "abroad",
        short_kk: "ҚР азаматы, шетелде оқыған",
        short_ru: "Гражданин РК, учился за рубежом",
        name_kk: "ЖОО-ға ақылы негізде түсу үшін шетелде білім алған Қазақстан Республикасының \
                  азаматтары",
        name_ru: "Граждане Республики Казахстан, получившие образование за рубежом, для \
                  поступления в ОВПО на платной основе",
    },
    Category {
        code: "kandas",
        short_kk: "Қандас (шетел азаматы)",
        short_ru: "Казах, не гражданин РК",
        name_kk: "ЖОО-ға ақылы негізде түсу үшін қазақ ұлтына жататын шетел азаматтары (қандастар)",
        name_ru: "Лица казахской национальности, не являющиеся гражданами Республики Казахстан, \
                  для поступления в ОВПО на платной основе",
    },
    Category {
        code: "creative_transfer",
        short_kk: "Шығармашылық мамандықтан ауысу",
        short_ru: "Перевод с творческой программы",
        name_kk: "Шығармашылық дайындықты талап ететін білім беру бағдарламалары тобы бойынша ЖОО-да \
                  білім алып жүрген және ақылы негізде басқа білім беру бағдарламалары топтарына \
                  ауысқысы келетін тұлғалар",
        name_ru: "Обучающиеся ОВПО по группе образовательных программ, требующих творческой \
                  подготовки, и желающие перевестись на другие группы образовательных программ \
                  на платной основе",
    },
    Category {
        code: "pedagogy_transfer",
        short_kk: "Педагогикаға ауысу",
        short_ru: "Перевод на педагогику",
        name_kk: "ЖОО-да білім алып жүрген және ақылы негізде «Педагогикалық ғылымдар» білім беру \
                  саласының білім беру бағдарламалары тобына ауысқысы келетін тұлғалар",
        name_ru: "Обучающиеся ОВПО, желающие перевестись на группу образовательных программ \
                  области образования «Педагогические науки» на платной основе",
    },
];

/// Names exactly as a combination shows them: the bot joins them with « – ».
pub(crate) const SUBJECTS: [(&str, &str, &str); 14] = [
    ("math", "Математика", "Математика"),
    ("physics", "Физика", "Физика"),
    ("chemistry", "Химия", "Химия"),
    ("biology", "Биология", "Биология"),
    ("geography", "География", "География"),
    ("informatics", "Информатика", "Информатика"),
    ("foreign_language", "Шет тілі", "Иностранный язык"),
    ("world_history", "Дүниежүзі тарихы", "Всемирная история"),
    ("kazakh_language", "Қазақ тілі", "Казахский язык"),
    ("kazakh_literature", "Қазақ әдебиеті", "Казахская литература"),
    ("russian_language", "Орыс тілі", "Русский язык"),
    ("russian_literature", "Орыс әдебиеті", "Русская литература"),
    ("law", "Құқық негіздері", "Основы права"),
    ("creative_exam", "Шығармашылық емтихан", "Творческий экзамен"),
];

/// (code, first subject, second subject) in the order and orientation of ENT-FACTS §1.2.
pub(crate) const COMBINATIONS: [(&str, &str, Option<&str>); 13] = [
    ("physics_math", "physics", Some("math")),
    ("chemistry_biology", "chemistry", Some("biology")),
    ("geography_math", "geography", Some("math")),
    ("informatics_math", "informatics", Some("math")),
    ("foreign_world_history", "foreign_language", Some("world_history")),
    ("geography_foreign", "geography", Some("foreign_language")),
    ("world_history_geography", "world_history", Some("geography")),
    ("kazakh_language_literature", "kazakh_language", Some("kazakh_literature")),
    ("russian_language_literature", "russian_language", Some("russian_literature")),
    ("creative_exam", "creative_exam", None),
    ("biology_geography", "biology", Some("geography")),
    ("chemistry_physics", "chemistry", Some("physics")),
    ("world_history_law", "world_history", Some("law")),
];

pub(crate) const TEST_LANGUAGES: [(&str, &str, &str); 3] = [
    ("kk", "Қазақ тілі", "Казахский язык"),
    ("ru", "Орыс тілі", "Русский язык"),
    ("en", "Ағылшын тілі", "Английский язык"),
];

/// The three cities of republican significance first, then the seventeen regional centres
/// (alphabetically in Russian).
pub const CITIES: [(&str, &str, &str); 20] = [
    ("astana", "Астана", "Астана"),
    ("almaty", "Алматы", "Алматы"),
    ("shymkent", "Шымкент", "Шымкент"),
    ("aktau", "Ақтау", "Актау"),
    ("aktobe", "Ақтөбе", "Актобе"),
    ("atyrau", "Атырау", "Атырау"),
    ("zhezkazgan", "Жезқазған", "Жезказган"),
    ("karaganda", "Қарағанды", "Караганда"),
    ("kokshetau", "Көкшетау", "Кокшетау"),
    ("konaev", "Қонаев", "Конаев"),
    ("kostanay", "Қостанай", "Костанай"),
    ("kyzylorda", "Қызылорда", "Кызылорда"),
    ("pavlodar", "Павлодар", "Павлодар"),
    ("petropavl", "Петропавл", "Петропавловск"),
    ("semey", "Семей", "Семей"),
    ("taldykorgan", "Талдықорған", "Талдыкорган"),
    ("taraz", "Тараз", "Тараз"),
    ("turkistan", "Түркістан", "Туркестан"),
    ("oral", "Орал", "Уральск"),
    ("oskemen", "Өскемен", "Усть-Каменогорск"),
];

pub struct Venue {
    pub code: &'static str,
    pub city: &'static str,
    pub name_kk: &'static str,
    pub name_ru: &'static str,
    pub address_kk: &'static str,
    pub address_ru: &'static str,
}

/// At least one venue in every regional centre and city of republican significance. Demo
/// data: universities of the kind that host testing, under the short names people use (a
/// name shares a time button with the time and the free seats), real street names; not
/// the NCT's list.
pub const VENUES: [Venue; 23] = [
    Venue {
        code: "ast-1",
        city: "astana",
        name_kk: "Л.Н. Гумилев атындағы ЕҰУ",
        name_ru: "ЕНУ им. Л.Н. Гумилёва",
        address_kk: "Астана қ., Қ. Сәтбаев көшесі, 2",
        address_ru: "г. Астана, ул. К. Сатпаева, 2",
    },
    Venue {
        code: "ast-2",
        city: "astana",
        name_kk: "С. Сейфуллин атындағы ҚазАТЗУ",
        name_ru: "КАТИУ им. С. Сейфуллина",
        address_kk: "Астана қ., Жеңіс даңғылы, 62",
        address_ru: "г. Астана, пр. Женис, 62",
    },
    Venue {
        code: "alm-1",
        city: "almaty",
        name_kk: "Әл-Фараби атындағы ҚазҰУ",
        name_ru: "КазНУ им. аль-Фараби",
        address_kk: "Алматы қ., әл-Фараби даңғылы, 71",
        address_ru: "г. Алматы, пр. аль-Фараби, 71",
    },
    Venue {
        code: "alm-2",
        city: "almaty",
        name_kk: "Абай атындағы ҚазҰПУ",
        name_ru: "КазНПУ им. Абая",
        address_kk: "Алматы қ., Достық даңғылы, 13",
        address_ru: "г. Алматы, пр. Достык, 13",
    },
    Venue {
        code: "shm-1",
        city: "shymkent",
        name_kk: "М. Әуезов атындағы ОҚУ",
        name_ru: "ЮКУ им. М. Ауэзова",
        address_kk: "Шымкент қ., Тәуке хан даңғылы, 5",
        address_ru: "г. Шымкент, пр. Тауке хана, 5",
    },
    Venue {
        code: "aku-1",
        city: "aktau",
        name_kk: "Ш. Есенов атындағы университет",
        name_ru: "Университет им. Ш. Есенова",
        address_kk: "Ақтау қ., 32-шағын аудан, 1",
        address_ru: "г. Актау, 32-й микрорайон, 1",
    },
    Venue {
        code: "akt-1",
        city: "aktobe",
        name_kk: "Қ. Жұбанов атындағы университет",
        name_ru: "Университет им. К. Жубанова",
        address_kk: "Ақтөбе қ., Әлия Молдағұлова даңғылы, 34",
        address_ru: "г. Актобе, пр. Алии Молдагуловой, 34",
    },
    Venue {
        code: "atr-1",
        city: "atyrau",
        name_kk: "Х. Досмұхамедов атындағы университет",
        name_ru: "Университет им. Х. Досмухамедова",
        address_kk: "Атырау қ., Студенттер даңғылы, 1",
        address_ru: "г. Атырау, пр. Студенческий, 1",
    },
    Venue {
        code: "zhz-1",
        city: "zhezkazgan",
        name_kk: "Ө. Байқоңыров атындағы университет",
        name_ru: "Университет им. О. Байконурова",
        address_kk: "Жезқазған қ., Алашахан даңғылы, 1Б",
        address_ru: "г. Жезказган, пр. Алашахана, 1Б",
    },
    Venue {
        code: "krg-1",
        city: "karaganda",
        name_kk: "Е.А. Бөкетов атындағы университет",
        name_ru: "Университет им. Е.А. Букетова",
        address_kk: "Қарағанды қ., Университет көшесі, 28",
        address_ru: "г. Караганда, ул. Университетская, 28",
    },
    Venue {
        code: "krg-2",
        city: "karaganda",
        name_kk: "Ә. Сағынов атындағы ҚарТУ",
        name_ru: "КарТУ им. А. Сагинова",
        address_kk: "Қарағанды қ., Н. Назарбаев даңғылы, 56",
        address_ru: "г. Караганда, пр. Н. Назарбаева, 56",
    },
    Venue {
        code: "kok-1",
        city: "kokshetau",
        name_kk: "Ш. Уәлиханов атындағы университет",
        name_ru: "Университет им. Ш. Уалиханова",
        address_kk: "Көкшетау қ., Абай көшесі, 76",
        address_ru: "г. Кокшетау, ул. Абая, 76",
    },
    Venue {
        code: "kon-1",
        city: "konaev",
        name_kk: "Қонаевтағы ҰБТ өткізу пункті",
        name_ru: "Пункт проведения ЕНТ, Конаев",
        address_kk: "Қонаев қ., Д. Қонаев даңғылы, 12",
        address_ru: "г. Конаев, пр. Д. Кунаева, 12",
    },
    Venue {
        code: "kst-1",
        city: "kostanay",
        name_kk: "А. Байтұрсынұлы атындағы университет",
        name_ru: "Университет им. А. Байтурсынулы",
        address_kk: "Қостанай қ., А. Байтұрсынұлы көшесі, 47",
        address_ru: "г. Костанай, ул. А. Байтурсынулы, 47",
    },
    Venue {
        code: "kzo-1",
        city: "kyzylorda",
        name_kk: "Қорқыт Ата атындағы университет",
        name_ru: "Университет им. Коркыт Ата",
        address_kk: "Қызылорда қ., Әйтеке би көшесі, 29А",
        address_ru: "г. Кызылорда, ул. Айтеке би, 29А",
    },
    Venue {
        code: "pvl-1",
        city: "pavlodar",
        name_kk: "Торайғыров университеті",
        name_ru: "Торайгыров университет",
        address_kk: "Павлодар қ., Ломов көшесі, 64",
        address_ru: "г. Павлодар, ул. Ломова, 64",
    },
    Venue {
        code: "ptr-1",
        city: "petropavl",
        name_kk: "М. Қозыбаев атындағы СҚУ",
        name_ru: "СКУ им. М. Козыбаева",
        address_kk: "Петропавл қ., Пушкин көшесі, 86",
        address_ru: "г. Петропавловск, ул. Пушкина, 86",
    },
    Venue {
        code: "sem-1",
        city: "semey",
        name_kk: "Шәкәрім университеті",
        name_ru: "Университет Шакарима",
        address_kk: "Семей қ., Глинка көшесі, 20А",
        address_ru: "г. Семей, ул. Глинки, 20А",
    },
    Venue {
        code: "tal-1",
        city: "taldykorgan",
        name_kk: "І. Жансүгіров атындағы университет",
        name_ru: "Университет им. И. Жансугурова",
        address_kk: "Талдықорған қ., Жансүгіров көшесі, 187А",
        address_ru: "г. Талдыкорган, ул. Жансугурова, 187А",
    },
    Venue {
        code: "tar-1",
        city: "taraz",
        name_kk: "М.Х. Дулати атындағы университет",
        name_ru: "Университет им. М.Х. Дулати",
        address_kk: "Тараз қ., Төле би көшесі, 60",
        address_ru: "г. Тараз, ул. Толе би, 60",
    },
    Venue {
        code: "trk-1",
        city: "turkistan",
        name_kk: "Қожа Ахмет Ясауи атындағы ХҚТУ",
        name_ru: "МКТУ им. Ходжи Ахмеда Ясави",
        address_kk: "Түркістан қ., Б. Саттарханов даңғылы, 29",
        address_ru: "г. Туркестан, пр. Б. Саттарханова, 29",
    },
    Venue {
        code: "ora-1",
        city: "oral",
        name_kk: "М. Өтемісов атындағы университет",
        name_ru: "Университет им. М. Утемисова",
        address_kk: "Орал қ., Н. Назарбаев даңғылы, 162",
        address_ru: "г. Уральск, пр. Н. Назарбаева, 162",
    },
    Venue {
        code: "ukg-1",
        city: "oskemen",
        name_kk: "С. Аманжолов атындағы университет",
        name_ru: "Университет им. С. Аманжолова",
        address_kk: "Өскемен қ., 30-шы Гвардиялық дивизия көшесі, 34",
        address_ru: "г. Усть-Каменогорск, ул. 30-й Гвардейской дивизии, 34",
    },
];

/// [`seed_demo_with_window`] with the default payment window.
pub async fn seed_demo(pool: &PgPool, now: DateTime<Utc>, tz: Tz) -> anyhow::Result<SeedReport> {
    seed_demo_with_window(pool, now, tz, crate::config::DEFAULT_PAYMENT_DEADLINE_MINUTES).await
}

/// The demo data; the campaign gets `payment_window_minutes` (`PAYMENT_DEADLINE_MINUTES`)
/// when it is created. A campaign seeded before keeps its own window.
pub async fn seed_demo_with_window(
    pool: &PgPool,
    now: DateTime<Utc>,
    tz: Tz,
    payment_window_minutes: u32,
) -> anyhow::Result<SeedReport> {
    let window = i32::try_from(payment_window_minutes).context("payment window out of range")?;
    let mut tx = pool.begin().await?;
    let mut inserted = 0;
    // Not counted: it says what the database is, not what it holds.
    store::mark_sandbox(&mut tx).await?;

    let year = january_session_year(now.with_timezone(&tz).date_naive());
    let campaign_code = format!("ent-{year}-01");
    inserted += store::insert_campaign(
        &mut tx,
        &store::NewCampaign {
            code: &campaign_code,
            name_kk: &format!("ҰБТ — қаңтар {year}"),
            name_ru: &format!("ЕНТ — январь {year}"),
            opens_at: now - Duration::days(1),
            closes_at: now + Duration::days(9),
            fee_tenge: FEE_TENGE,
            payment_window_minutes: window,
        },
    )
    .await?;
    let (campaign_id, closes_at) = store::campaign_by_code(&mut tx, &campaign_code).await?;
    let first_test_day = first_test_day(closes_at.with_timezone(&tz).date_naive(), year);

    inserted += seed_reference_data(&mut tx).await?;
    inserted += seed_campaign_categories(&mut tx, campaign_id).await?;
    inserted += seed_slots(&mut tx, campaign_id, first_test_day, tz).await?;
    inserted += seed_persons(&mut tx, first_test_day).await?;

    tx.commit().await?;
    Ok(SeedReport { inserted, campaign_code })
}

/// The January whose session is being registered for: this one in January, else the next.
pub fn january_session_year(today: NaiveDate) -> i32 {
    if today.month() == 1 { today.year() } else { today.year() + 1 }
}

/// Like the real session, testing starts on a Monday from 10 January on, and never before
/// the registration window has closed.
pub fn first_test_day(registration_closes: NaiveDate, year: i32) -> NaiveDate {
    let january_10 = NaiveDate::from_ymd_opt(year, 1, 10).expect("10 January exists");
    first_monday_after(registration_closes).max(first_monday_after(january_10 - Duration::days(1)))
}

/// Strictly after: a window that closes on a Monday leaves the week to prepare the rooms.
pub fn first_monday_after(date: NaiveDate) -> NaiveDate {
    let mut day = date + Duration::days(1);
    while day.weekday() != Weekday::Mon {
        day += Duration::days(1);
    }
    day
}

async fn seed_reference_data(tx: &mut PgConnection) -> anyhow::Result<u64> {
    let mut inserted = 0;
    for (order, c) in CATEGORIES.iter().enumerate() {
        let sort_order = order as i16 + 1;
        inserted +=
            store::put_category(tx, c.code, c.short_kk, c.short_ru, c.name_kk, c.name_ru, sort_order).await?;
    }
    for (code, kk, ru) in SUBJECTS {
        inserted += store::insert_subject(tx, code, kk, ru).await?;
    }
    for (order, (code, first, second)) in COMBINATIONS.iter().enumerate() {
        inserted += store::insert_combination(tx, code, first, *second, order as i16 + 1).await?;
    }
    for (order, (code, kk, ru)) in TEST_LANGUAGES.iter().enumerate() {
        inserted += store::insert_test_language(tx, code, kk, ru, order as i16 + 1).await?;
    }
    for (order, (code, kk, ru)) in CITIES.iter().enumerate() {
        inserted += store::insert_city(tx, code, kk, ru, order as i16 + 1).await?;
    }
    for v in &VENUES {
        inserted +=
            store::insert_venue(tx, v.code, v.city, v.name_kk, v.name_ru, v.address_kk, v.address_ru).await?;
    }
    Ok(inserted)
}

/// The demo campaign offers the eight categories, in their order.
async fn seed_campaign_categories(tx: &mut PgConnection, campaign_id: i64) -> anyhow::Result<u64> {
    let mut inserted = 0;
    for (order, c) in CATEGORIES.iter().enumerate() {
        inserted += store::put_campaign_category(tx, campaign_id, c.code, order as i16 + 1).await?;
    }
    Ok(inserted)
}

async fn seed_slots(
    tx: &mut PgConnection,
    campaign_id: i64,
    first_day: NaiveDate,
    tz: Tz,
) -> anyhow::Result<u64> {
    let mut inserted = 0;
    for (v, venue) in VENUES.iter().enumerate() {
        for day in 0..SLOT_DAYS {
            for (half, (hour, minute)) in SLOT_TIMES.iter().enumerate() {
                let local = (first_day + Duration::days(day))
                    .and_time(NaiveTime::from_hms_opt(*hour, *minute, 0).expect("a valid time"));
                let starts_at = tz
                    .from_local_datetime(&local)
                    .earliest()
                    .with_context(|| format!("{local} does not exist in {tz}"))?;
                let capacity = 30 + (v as i64 * 13 + day * 7 + half as i64 * 5) % 31;
                inserted += store::insert_slot(
                    tx,
                    campaign_id,
                    venue.code,
                    starts_at.with_timezone(&Utc),
                    capacity as i32,
                )
                .await?;
            }
        }
    }
    Ok(inserted)
}

async fn seed_persons(tx: &mut PgConnection, test_day: NaiveDate) -> anyhow::Result<u64> {
    let (last, first, patronymic) = DEMO_PERSON;
    let mut persons =
        vec![(Iin::parse(DEMO_PERSON_IIN)?, last.to_owned(), first.to_owned(), Some(patronymic.to_owned()))];
    persons.extend(synthetic_persons(test_day));
    let mut inserted = 0;
    for (iin, last, first, patronymic) in persons {
        inserted += store::insert_person(tx, iin.as_str(), &last, &first, patronymic.as_deref()).await?;
    }
    Ok(inserted)
}

// (male, female) surname forms; a repeated form is a surname that does not change.
const KAZAKH_SURNAMES: [(&str, &str); 12] = [
    ("Ахметов", "Ахметова"),
    ("Оспанов", "Оспанова"),
    ("Жұмабаев", "Жұмабаева"),
    ("Серікбаев", "Серікбаева"),
    ("Қасымов", "Қасымова"),
    ("Әбілов", "Әбілова"),
    ("Төлегенов", "Төлегенова"),
    ("Байжанов", "Байжанова"),
    ("Сәрсенбаев", "Сәрсенбаева"),
    ("Нұрмағамбетов", "Нұрмағамбетова"),
    ("Бекболат", "Бекболат"),
    ("Ержан", "Ержан"),
];
const KAZAKH_MALE: [&str; 10] =
    ["Нұрлан", "Асқар", "Ерлан", "Дәурен", "Айбек", "Бауыржан", "Ерболат", "Алихан", "Темірлан", "Арман"];
const KAZAKH_FEMALE: [&str; 10] =
    ["Айгерім", "Әсел", "Дана", "Жансая", "Аружан", "Мөлдір", "Гүлназ", "Інжу", "Томирис", "Ақбота"];
const KAZAKH_FATHERS: [&str; 10] =
    ["Нұрлан", "Серік", "Асқар", "Бауыржан", "Ерлан", "Марат", "Қайрат", "Талғат", "Дәурен", "Бақыт"];
const RUSSIAN_SURNAMES: [(&str, &str); 8] = [
    ("Иванов", "Иванова"),
    ("Петров", "Петрова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Ким", "Ким"),
    ("Ковальчук", "Ковальчук"),
    ("Шевченко", "Шевченко"),
];
const RUSSIAN_MALE: [&str; 6] = ["Александр", "Дмитрий", "Максим", "Никита", "Артём", "Иван"];
const RUSSIAN_FEMALE: [&str; 6] = ["Анастасия", "Екатерина", "Дарья", "Полина", "Мария", "Алина"];
// (son's, daughter's) patronymic.
const RUSSIAN_PATRONYMICS: [(&str, &str); 6] = [
    ("Сергеевич", "Сергеевна"),
    ("Андреевич", "Андреевна"),
    ("Викторович", "Викторовна"),
    ("Олегович", "Олеговна"),
    ("Александрович", "Александровна"),
    ("Игоревич", "Игоревна"),
];

type PersonRow = (Iin, String, String, Option<String>);

/// Deterministic: the same test day gives the same people. Every tenth is under 16 on the
/// test day (other documents on test day), every tenth was born in the 1990s, the rest are
/// 16–25 like most applicants.
fn synthetic_persons(test_day: NaiveDate) -> Vec<PersonRow> {
    let mut used: HashSet<Iin> = HashSet::from([Iin::parse(DEMO_PERSON_IIN).expect("a valid IIN")]);
    let mut out = Vec::with_capacity(SYNTHETIC_PERSONS);
    for i in 0..SYNTHETIC_PERSONS {
        let sex = if i % 2 == 0 { Sex::Female } else { Sex::Male };
        let birth = match i % 10 {
            3 => NaiveDate::from_ymd_opt(
                1990 + (i / 10) as i32 * 2,
                1 + (i % 12) as u32,
                1 + (i * 7 % 28) as u32,
            )
            .expect("day ≤ 28 exists in every month"),
            7 => test_day - Duration::days(15 * 365 + (i as i64 * 37) % 300),
            _ => test_day - Duration::days(16 * 365 + 10 + (i as i64 * 53) % (9 * 365)),
        };
        let iin = (0..10_000)
            .map(|k| ((i * 389 + 101 + k) % 10_000) as u16)
            .filter_map(|serial| Iin::from_parts(birth, sex, serial))
            .find(|iin| !used.contains(iin))
            .expect("a free serial among ten thousand");
        used.insert(iin.clone());
        let pick = |names: &[&str], step: usize| names[(i * step + i / 7) % names.len()].to_owned();
        let female = sex == Sex::Female;
        let (last, first, patronymic) = if i % 3 == 2 {
            let (m, f) = RUSSIAN_SURNAMES[(i * 5) % RUSSIAN_SURNAMES.len()];
            let (son, daughter) = RUSSIAN_PATRONYMICS[(i * 7) % RUSSIAN_PATRONYMICS.len()];
            let first = if female { pick(&RUSSIAN_FEMALE, 5) } else { pick(&RUSSIAN_MALE, 5) };
            (if female { f } else { m }, first, Some(if female { daughter } else { son }.to_owned()))
        } else {
            let (m, f) = KAZAKH_SURNAMES[(i * 5) % KAZAKH_SURNAMES.len()];
            let first = if female { pick(&KAZAKH_FEMALE, 3) } else { pick(&KAZAKH_MALE, 3) };
            let father = KAZAKH_FATHERS[(i * 7) % KAZAKH_FATHERS.len()];
            // Some registry records have no patronymic at all.
            let patronymic =
                (i % 11 != 4).then(|| format!("{father}{}", if female { "қызы" } else { "ұлы" }));
            (if female { f } else { m }, first, patronymic)
        };
        out.push((iin, last.to_owned(), first, patronymic));
    }
    out
}

/// True when `seed demo` (or the sandbox) wrote this database: the sandbox may run on it.
pub async fn is_sandbox_database(pool: &PgPool) -> anyhow::Result<bool> {
    Ok(store::is_sandbox(pool).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_monday_is_strictly_after() {
        let monday = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
        assert_eq!(first_monday_after(monday), monday + Duration::days(7));
        assert_eq!(first_monday_after(monday - Duration::days(1)), monday);
        assert_eq!(first_monday_after(monday - Duration::days(6)), monday);
    }

    #[test]
    fn testing_is_in_january_after_the_window() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(january_session_year(day(2026, 12, 22)), 2027);
        assert_eq!(january_session_year(day(2027, 1, 5)), 2027);
        // The harness: the window closes on 31 December; testing from Monday 11 January.
        assert_eq!(first_test_day(day(2026, 12, 31), 2027), day(2027, 1, 11));
        assert_eq!(first_test_day(day(2026, 12, 11), 2027), day(2027, 1, 11));
        // A window still open in January pushes testing after it.
        assert_eq!(first_test_day(day(2027, 1, 14), 2027), day(2027, 1, 18));
        assert_eq!(first_test_day(day(2027, 1, 10), 2028).weekday(), Weekday::Mon);
    }

    #[test]
    fn categories_have_short_labels_and_full_wording() {
        let codes: HashSet<&str> = CATEGORIES.iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), 8);
        for c in &CATEGORIES {
            for short in [c.short_kk, c.short_ru] {
                // One line of a phone-wide button.
                assert!(short.chars().count() <= 31, "{short}");
            }
            for full in [c.name_kk, c.name_ru] {
                assert!(full.chars().next().unwrap().is_uppercase(), "{full}");
                assert!(!full.contains("  ") && !full.ends_with(['.', ';']), "{full}");
                assert!(full.chars().count() > c.short_kk.chars().count());
            }
        }
    }

    #[test]
    fn every_regional_centre_and_republican_city_has_a_venue() {
        assert_eq!(CITIES.len(), 17 + 3);
        for (code, kk, ru) in CITIES {
            assert!(VENUES.iter().any(|v| v.city == code), "{code}");
            assert!(!kk.is_empty() && !ru.is_empty());
        }
        let codes: HashSet<&str> = VENUES.iter().map(|v| v.code).collect();
        assert_eq!(codes.len(), VENUES.len());
        for v in &VENUES {
            let (kk_city, ru_city) = CITIES.iter().find(|c| c.0 == v.city).map(|c| (c.1, c.2)).unwrap();
            assert!(v.address_kk.starts_with(&format!("{kk_city} қ., ")), "{}", v.address_kk);
            assert!(v.address_ru.starts_with(&format!("г. {ru_city}, ")), "{}", v.address_ru);
        }
    }

    #[test]
    fn synthetic_persons_are_deterministic_distinct_and_varied() {
        let day = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        let people = synthetic_persons(day);
        assert_eq!(people, synthetic_persons(day));
        let iins: HashSet<&Iin> = people.iter().map(|p| &p.0).collect();
        assert_eq!(iins.len(), SYNTHETIC_PERSONS);
        assert!(!iins.contains(&Iin::parse(DEMO_PERSON_IIN).unwrap()));
        assert!(people.iter().filter(|p| p.0.age_on(day) < 16).count() >= 3);
        assert!(people.iter().filter(|p| (1990..2000).contains(&p.0.birth_date().year())).count() >= 3);
        assert!(people.iter().all(|p| p.0.age_on(day) <= 40));
        assert!(people.iter().any(|p| p.3.is_none()));
        assert!(people.iter().any(|p| p.1 == "Ким"));
    }

    #[test]
    fn combinations_name_known_subjects() {
        let codes: HashSet<&str> = SUBJECTS.iter().map(|s| s.0).collect();
        for (_, first, second) in COMBINATIONS {
            assert!(codes.contains(first));
            assert!(second.is_none_or(|s| codes.contains(s) && s != first));
        }
        let cities: HashSet<&str> = CITIES.iter().map(|c| c.0).collect();
        assert!(VENUES.iter().all(|v| cities.contains(v.city)));
    }
}

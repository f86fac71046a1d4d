# Staff commands and the notifications they send. Kazakh.

staff-usage-find = Пайдалану: /find <ЖСН | email | телефон | тапсырыс нөмірі | өтініш №>
staff-usage-noshow = Пайдалану: /noshow <өтініш №> · /noshow undo <өтініш №> (әкімші: белгіні алып тастау)
staff-usage-notify = Пайдалану: /notify slot <№> <мәтін> · /notify venue <код> <мәтін> · /notify all <мәтін>
staff-usage-staff = Пайдалану: /staff add <Telegram id> <admin|operator> · /staff remove <Telegram id>
staff-admin-only = Бұл команда тек әкімшіге арналған.
staff-not-found = Ештеңе табылмады.
staff-find-applicant = 👤 { $name } · ЖСН { $iin } · { $phone } · { $email } · Telegram { $tg }
staff-find-application = №{ $id } · { $status } · { $when } · { $place }
staff-find-payment = 💳 { $order } · { $method } · { $amount } · { $status }
staff-stats = 📊 { $campaign }
    Өтініштер: төлем күтілуде { $awaiting }, төленген { $paid }, жойылған { $annulled }, бас тартылған { $cancelled }, кері қайтарылған { $withdrawn }, келмеген { $no_show }
    Орындар: { $booked } / { $capacity }
    Төлемдер: { $payments_sum } · қайтару керек: { $refunds } (/refunds)
    Хабарламалар кезегі: { $outbox } · қолжетімсіз пайдаланушылар: { $unreachable }
staff-slots-title = 🗓 Бос орындар, { $campaign } (қала · күн · уақыт · бос/барлығы):
staff-slots-line = { $city } · { $when } · { $free }/{ $capacity }
staff-noshow-done = №{ $id } өтініш «келмеді» деп белгіленді.
staff-noshow-refused = №{ $id } өтінішті белгілеу мүмкін емес: тек төленген өтініш «келмеді» бола алады.
staff-noshow-too-early = №{ $id } өтініш: тестілеу әлі басталған жоқ, «келмеді» деп белгілеуге болмайды.
staff-noshow-undone = №{ $id } өтініш бойынша «келмеді» белгісі алынып тасталды.
staff-noshow-undo-refused = №{ $id } өтініш «келмеді» деп белгіленбеген.
noshow-notice = №{ $id } өтініш бойынша тестілеуге келмегеніңіз белгіленді. Осы кезеңде қайта өтініш беру мүмкін емес (нұсқаулықтың 5-тармағы). Қате болса, қолдау қызметіне жазыңыз: { $support }
noshow-undone-notice = №{ $id } өтініш бойынша «келмеді» деген белгі алынып тасталды: өтініш қайтадан жарамды.
staff-refunds-title = 💸 Қайтарылатын төлемдер: { $count } (күні · сомасы · тәсілі · тапсырыс · өтініш · себебі · транзакция)
staff-refunds-line = { $when } · { $amount } · { $method } · тапсырыс { $order } · { $application } · { $reason } · txn { $txn }
staff-refunds-none = Қайтаратын төлем жоқ.
refund-reason-late = мерзімнен кейін төленді
refund-reason-duplicate = қайта төленді
refund-reason-wrong_currency = басқа валюта
refund-reason-wrong_amount = сомасы сәйкес емес
refund-reason-method_mismatch = төлем тәсілі сәйкес емес
refund-reason-unknown_order = белгісіз тапсырыс
staff-closedb-ask = «{ $campaign }» базасын жабасыз ба? Осыдан кейін өтініштерді өзгертуге және төлемді қайтаруға болмайды.
staff-closedb-yes = Иә, жабу
staff-closedb-no = Жоқ
staff-closedb-done = «{ $campaign }» базасы жабылды.
staff-closedb-already = База әлдеқашан жабылған.
staff-notify-queued = Хабарлама { $count } адамға кезекке қойылды.
staff-notify-queued-campaign = Хабарлама { $count } адамға кезекке қойылды ({ $campaign }).
staff-campaign-unknown = { $code } кезеңі табылмады. Бар кезеңдер: { $codes }.
staff-added = { $id } пайдаланушы қосылды: { $role }.
staff-removed = { $id } пайдаланушы қызметкерлер тізімінен алынды.
staff-cancelled = Тоқтатылды.

broadcast-audience = Кімге жібереміз?
broadcast-all = Барлығына
broadcast-campaign = Осы кезеңнің өтініш берушілеріне
broadcast-status = Өтініш мәртебесі бойынша
broadcast-city = Қала бойынша
broadcast-venue = Тестілеу пункті бойынша
broadcast-slot = Уақыт бойынша (слот №)
broadcast-choose = Таңдаңыз:
broadcast-slot-ask = Слот нөмірін жазыңыз:
broadcast-text-ask = Хабарлама мәтінін жазыңыз (4096 таңбаға дейін):
broadcast-too-long = Мәтін тым ұзын: { $length } таңба, ең көбі 4096.
broadcast-preview = Алдын ала қарау. Алушылар: { $count }.

    { $text }
broadcast-send = ✅ Жіберу
broadcast-cancel = ✖️ Бас тарту
broadcast-nobody = Бұл топта ешкім жоқ.
broadcast-progress = 📤 Тарату №{ $id }: жіберілді { $sent } / { $total }, қате { $failed }, қолжетімсіз { $unreachable }
broadcast-done = ✅ Тарату №{ $id } аяқталды: жіберілді { $sent } / { $total }, қате { $failed }, қолжетімсіз { $unreachable }

notice-header = 📢 ҰТО хабарламасы:
slot-changed = ⚠️ Тестілеу уақыты немесе орны өзгерді (өтініш №{ $id }):
    📅 { $when }
    📍 { $city }, { $venue }
    { $address }
test-day-reminder = ⏰ Ертең тестілеу (өтініш №{ $id }):
    📅 { $when }
    📍 { $city }, { $venue }
    { $address }
    Жеке куәлікті (немесе электрондық құжатты) және қаламды ұмытпаңыз.

command-find = Іздеу: ЖСН, email, телефон, тапсырыс, өтініш
command-stats = Статистика
command-slots = Бос орындар
command-markpaid = Төлемді қолмен растау
command-noshow = Келмегенін белгілеу
command-refunds = Қайтарылатын төлемдер
command-closedb = Базаны жабу
command-notify = Хабарлама жіберу
command-broadcast = Тарату
command-staff = Қызметкерлер

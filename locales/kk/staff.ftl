# Staff commands and the notifications they send. Kazakh.

staff-usage-find = Пайдалану: /find <ЖСН | email | телефон | тапсырыс нөмірі | өтініш №>
staff-usage-noshow = Пайдалану: /noshow <өтініш №> · /noshow undo <өтініш №> (әкімші: белгіні алып тастау)
staff-usage-withdraw = Пайдалану: /withdraw <өтініш №> — өтініш берушінің өтініші бойынша төленген өтінішті кері қайтарып алу
staff-usage-notify = Пайдалану: /notify slot <№> <мәтін> · /notify venue <код> <мәтін> · /notify all <мәтін>
staff-usage-staff = Пайдалану: /staff add <Telegram id> <admin|operator> · /staff remove <Telegram id>
staff-admin-only = Бұл команда тек әкімшіге арналған.
staff-not-found = Ештеңе табылмады.
staff-find-applicant = 👤 { $name } · ЖСН { $iin } · { $phone } · { $email } · Telegram { $tg }
staff-find-application = №{ $id } · { $status } · { $when } · { $place }
staff-find-payment = 💳 { $order } · { $method } · { $amount } · { $status }
staff-stats = 📊 { $campaign }
    Өтініштер: төлем күтілуде { $awaiting }, төленген { $paid }, жойылған { $annulled }, тоқтатылған { $cancelled }, кері қайтарып алынған { $withdrawn }, келмеген { $no_show }
    Орындар: { $booked } / { $capacity }
    Төлемдер: { $payments_sum } · қайтару керек: { $refunds } (/refunds)
    Хабарламалар кезегі: { $outbox } · қолжетімсіз пайдаланушылар: { $unreachable }
    Жаңартулар: өңдеуді күтуде { $inbox } · қатеге байланысты кейінге қалдырылған { $parked }
staff-slots-title = 🗓 Бос орындар, { $campaign } (қала · күн · уақыт · бос/барлығы):
staff-slots-line = { $city } · { $when } · { $free }/{ $capacity }
staff-noshow-done = №{ $id } өтініш «келмеді» деп белгіленді.
staff-noshow-refused = №{ $id } өтінішті белгілеу мүмкін емес: «келмеді» белгісін тек төленген өтінішке қоюға болады.
staff-closedb-ask = «{ $campaign }» деректер базасын жабасыз ба? Осыдан кейін өтініштерді өзгертуге және төлемді қайтаруға болмайды.
staff-closedb-yes = Иә, жабу
staff-closedb-no = Жоқ
staff-closedb-done = «{ $campaign }» деректер базасы жабылды.
staff-closedb-already = Деректер базасы әлдеқашан жабылған.
staff-notify-queued = Хабарлама кезекке қойылды: { $count } өтініш беруші.
staff-noshow-too-early = №{ $id } өтініш: тестілеу әлі басталған жоқ, «келмеді» деп белгілеуге болмайды.
staff-noshow-undone = №{ $id } өтініш бойынша «келмеді» белгісі алынып тасталды.
staff-noshow-undo-refused = №{ $id } өтініш «келмеді» деп белгіленбеген.
staff-withdrawn-refund = №{ $id } өтініш кері қайтарып алынды, орын босатылды. Өтініш берушіге хабарландық, төлемді қайтару нұсқаулығы оның поштасына жіберілді.
staff-withdrawn-no-refund = №{ $id } өтініш кері қайтарып алынды. Деректер базасы жабық, сондықтан төлем қайтарылмайды; өтініш берушіге хабарландық.
staff-withdraw-refused = №{ $id } өтінішті кері қайтарып алуға болмайды: тек тестілеу басталғанға дейін төленген өтінішті ғана қайтарып алуға болады.
noshow-notice = Сіз №{ $id } өтініш бойынша тестілеуге келмедіңіз. Себебі дәлелсіз болса, осы кезеңде қайта өтініш беру мүмкін емес.
    Себебі дәлелді болса (ДКК қорытындысы бар ауру, жақын туысыңыздың қайтыс болуы, республикалық не халықаралық олимпиада немесе жарыс, төтенше жағдай), растайтын құжаттарды қоса, ҰТО директорының атына өтініш жазыңыз: бос орын болса, тестті осы кезеңнің басқа күнінде, сол тілде, қағаз түрінде тапсырасыз. Өтінішті осында беруге болады: «📋 Менің өтініштерім» → №{ $id } → «📝 Қайта тапсыруға өтініш беру».
    Белгі қате қойылса, ҰТО-ға жазыңыз: { $support }
noshow-undone-notice = №{ $id } өтініш бойынша «келмеді» деген белгі алынып тасталды: өтініш қайтадан жарамды.
staff-refunds-title = 💸 Қайтарылатын төлемдер: { $count } (күні · сомасы · тәсілі · тапсырыс · өтініш · себебі · транзакция)
staff-refunds-line = { $when } · { $amount } · { $method } · тапсырыс { $order } · { $application } · { $reason } · txn { $txn }
staff-refunds-none = Қайтарылатын төлем жоқ.
refund-reason-late = мерзімнен кейін төленді
refund-reason-duplicate = қайта төленді
refund-reason-wrong_currency = басқа валюта
refund-reason-wrong_amount = сомасы сәйкес емес
refund-reason-method_mismatch = төлем тәсілі сәйкес емес
refund-reason-unknown_order = белгісіз тапсырыс
staff-campaign-unknown = { $code } кезеңі табылмады. Бар кезеңдер: { $codes }.
staff-notify-queued-campaign = Хабарлама кезекке қойылды ({ $campaign }): { $count } өтініш беруші.
staff-added = { $id } пайдаланушы қосылды: { $role }.
staff-role-admin = әкімші
staff-role-operator = оператор
payment-method-card = карта
payment-method-kaspi = Kaspi
payment-status-pending = төлем күтілуде
payment-status-paid = төленді
payment-status-failed = қабылданбады
payment-status-late = кешікті, қайтару керек
payment-status-cancelled = тоқтатылды
staff-removed = { $id } пайдаланушы қызметкерлер тізімінен алынды.
staff-cancelled = Тоқтатылды.

broadcast-audience = Кімге жібереміз?
broadcast-all = Барлығына
broadcast-campaign = Осы кезеңнің өтініш берушілеріне
broadcast-status = Өтініш мәртебесі бойынша
broadcast-city = Қала бойынша
broadcast-venue = Алаң бойынша
broadcast-slot = Уақыт бойынша (слот №)
broadcast-choose = Таңдаңыз:
broadcast-slot-ask = Слот нөмірін жазыңыз:
broadcast-text-ask = Хабарлама мәтінін жазыңыз (4096 таңбаға дейін):
broadcast-too-long = Мәтін тым ұзын: { $length } таңба, ең көбі 4096.
broadcast-preview = Алдын ала қарау. { $count } алушы.

    { $text }
broadcast-send = ✅ Жіберу
broadcast-cancel = ✖️ Бас тарту
broadcast-nobody = Бұл топта ешкім жоқ.
broadcast-progress = 📤 Тарату №{ $id }: жіберілді { $sent } / { $total }, қате { $failed }, қолжетімсіз { $unreachable }
broadcast-done = ✅ Тарату №{ $id } аяқталды: жіберілді { $sent } / { $total }, қате { $failed }, қолжетімсіз { $unreachable }

notice-header = 📢 ҰТО хабарламасы:
slot-changed = ⚠️ Тестілеу уақыты немесе орны өзгерді (№{ $id } өтініш):
    📅 { $when }
    📍 { $venue }
    { $address }
test-day-reminder = ⏰ Ертең тестілеу (№{ $id } өтініш):
    📅 { $when }
    📍 { $venue }
    { $address }
    Жеке куәлікті немесе төлқұжатты (eGov, Kaspi не Halyk қосымшасындағы электрондық құжат та жарайды) және қаламды алып келіңіз. 16 жасқа толмасаңыз — туу туралы куәлік пен мектептен берілген, 3×4 фотосуреті бар анықтама.

command-find = Іздеу: ЖСН, email, телефон, тапсырыс, өтініш
command-stats = Статистика
command-slots = Бос орындар
command-markpaid = Төлемді қолмен растау
command-noshow = Келмегенін белгілеу
command-withdraw = Өтінішті қайтарып алу (өтініш беруші сұраса)
command-refunds = Қайтарылатын төлемдер
command-closedb = Деректер базасын жабу
command-notify = Хабарлама жіберу
command-broadcast = Тарату
command-staff = Қызметкерлер
command-rebind = ЖСН-ді басқа аккаунтқа ауыстыру
command-console = Веб-консоль
staff-console-link = Веб-консольге кіру сілтемесі. Оны бір рет қана қолдануға болады, ол { $minutes } минут жарамды; консольдегі алдыңғы сеанс жабылды. Сілтемені ешкімге жібермеңіз.
staff-console-button = Консольді ашу
# /rebind and the re-bind queue (security review finding 6)
staff-usage-rebind = Пайдалану: /rebind <ЖСН> <Telegram id> — ЖСН-ді басқа аккаунтқа қайта тіркеу (әкімші). Өтініштер ЖСН-мен бірге ауысады.
staff-rebind-done = { $iin } ЖСН қайта тіркелді: { $from } → { $to }. Ауысқан өтініштер: { $applications } (қолданыстағы: { $live }). Екі аккаунтқа да хабар жіберіледі.
staff-rebind-not-in-registry = Бұл ЖСН тізілімде жоқ.
staff-rebind-unknown-account = { $to } аккаунты ботқа әлі жазбаған: алдымен /start жіберсін.
staff-rebind-already = Бұл ЖСН { $to } аккаунтына тіркелген.
staff-rebind-holds-another = { $to } аккаунтына басқа ЖСН тіркелген. Алдымен соны қайта тіркеңіз.
staff-rebind-conflict = ЖСН дәл қазір басқа аккаунтқа тіркелді. Ештеңе өзгермеді, команданы қайталаңыз.
rebind-notice-from = ҰТО қолдау қызметінің шешімімен { $iin } ЖСН осы аккаунттан ажыратылып, иесінің аккаунтына тіркелді. Осы ЖСН бойынша өтініштер де бірге ауысты. Қате болса, қолдау қызметіне жазыңыз: { $support }
rebind-notice-to = ҰТО қолдау қызметі { $iin } ЖСН-ді осы аккаунтқа тіркеді. Ауысқан өтініштер: { $applications }. Жалғастыру үшін /start басыңыз.
rebind-request-refused-notice = Қолдау қызметі { $iin } ЖСН бойынша сұрауыңызды қарады, бірақ ЖСН сіздікі екенін растай алмады. Толығырақ: { $support }

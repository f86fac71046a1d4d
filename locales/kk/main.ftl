# Common texts, /start, language, main menu, help. Kazakh.

choose-language = Тілді таңдаңыз 👇
    Выберите язык 👇
language-button-kk = Қазақша
language-button-ru = Русский
language-set = Тіл: қазақша ✅
# Shown before the language is chosen, so in both languages (the same text in kk and ru).
help-language = Тілді таңдаңыз: «Қазақша» немесе «Русский» батырмасын басыңыз. Тілді кейін /language командасымен ауыстыруға болады.
    Выберите язык: нажмите «Қазақша» или «Русский». Потом его можно сменить командой /language.

menu-title = Басты мәзір. Бөлімді таңдаңыз 👇
menu-apply = 📝 Өтініш беру
menu-history = 📋 Менің өтініштерім
menu-test-info = ℹ️ Тест туралы
menu-help = ❓ Көмек
menu-language = 🌐 Тіл

help-menu = Бұл бот арқылы қаңтардағы ақылы ҰБТ-ға тіркелуге болады.
    ҰТО-ның ресми арналары: app.testcenter.kz сайты мен UTO қосымшасы.
    📋 Менің өтініштерім — мәртебе, төлем, өзгерістер (сайтта — «Менің іс-әрекетім»).
    ℹ️ Тест туралы — қайда, қашан, не алып келу керек.
    Қолдау: { $support }
help-dates = 🗓 { $campaign }
    • өтініш қабылдаудың соңғы күні — { $closes }
    • тестілеу — { $test_days }
help-dates-db = • деректер базасын жабу — { $db_closes }
help-db-meaning = Деректер базасы жабылған соң өтініш өзгертілмейді, ал кері қайтарып алсаңыз, төлем қайтарылмайды.

state-reset = Кешіріңіз, сол жерден жалғастыра алмадық. Басты мәзірге оралдық.
unknown-command = Мұндай команда жоқ. Көмек: /help
technical-error = Техникалық ақау болды. Бір минуттан соң қайталап көріңіз.
edited-ignored = Өңделген хабарламаны оқи алмаймын. Түзетілген жауапты жаңа хабарламамен жіберіңіз.
stale-button = Бұл батырма енді жарамсыз.
use-buttons = Батырмалардың бірін таңдаңыз 👇
cancelled = Тоқтатылды.

command-start = Бастау
command-language = Тілді ауыстыру
command-email = Поштаны өзгерту
command-help = Көмек
command-cancel = Бас тарту, мәзірге оралу

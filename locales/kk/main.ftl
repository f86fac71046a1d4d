# Common texts, /start, language, main menu. Kazakh.

choose-language = Тілді таңдаңыз 👇
    Выберите язык 👇
language-button-kk = Қазақша
language-button-ru = Русский
language-set = Тіл: қазақша ✅

menu-title = Басты мәзір. Бөлімді таңдаңыз 👇
menu-apply = 📝 Өтініш беру
menu-history = 📋 Менің өтініштерім
menu-test-info = ℹ️ Тест туралы
menu-help = ❓ Көмек
menu-language = 🌐 Тіл

help-menu = Бұл бот қаңтардағы ақылы ҰБТ-ға тіркейді.
    📝 Өтініш беру — санатты, тапсыру тілін, пәндерді, қаланы, күн мен уақытты таңдау.
    📋 Менің өтініштерім — өтініш мәртебесі, төлем, өзгерту.
    ℹ️ Тест туралы — қайда, қашан және не алып келу керек.
    Тілді ауыстыру: /language. Бас тарту: /cancel.

state-reset = Кешіріңіз, сөйлесу үзіліп қалды. Басты мәзірге оралдық.
unknown-command = Мұндай команда жоқ. Көмек: /help
technical-error = Техникалық ақау болды. Бір минуттан соң қайталап көріңіз.
edited-ignored = Өңделген хабарламаны оқи алмаймын. Түзетілген жауапты жаңа хабарлама етіп жіберіңіз.
stale-button = Бұл батырма ескірген.
use-buttons = Төмендегі батырмалардың бірін таңдаңыз 👇
cancelled = Тоқтатылды.

command-start = Бастау
command-language = Тілді ауыстыру
command-email = Поштаны өзгерту
command-help = Көмек
command-cancel = Бас тарту, мәзірге оралу

# Common texts, /start, language, main menu. Russian.

choose-language = Тілді таңдаңыз 👇
    Выберите язык 👇
language-button-kk = Қазақша
language-button-ru = Русский
language-set = Язык: русский ✅

menu-title = Главное меню. Выберите раздел 👇
menu-apply = 📝 Подать заявление
menu-history = 📋 Моя история
menu-test-info = ℹ️ О тестировании
menu-help = ❓ Помощь
menu-language = 🌐 Язык

help-menu = Этот бот регистрирует на платное январское ЕНТ.
    📝 Подать заявление — выбрать категорию, язык сдачи, предметы, город, дату и время.
    📋 Моя история — статус заявления, оплата, изменения.
    ℹ️ О тестировании — где, когда и что взять с собой.
    Сменить язык: /language. Отменить: /cancel.

state-reset = Извините, разговор прервался. Возвращаемся в главное меню.
unknown-command = Такой команды нет. Подсказка: /help
technical-error = Техническая ошибка. Попробуйте ещё раз через минуту.
edited-ignored = Исправленные сообщения я не читаю. Отправьте исправленный ответ новым сообщением.
stale-button = Эта кнопка уже не действует.
use-buttons = Выберите один из вариантов ниже 👇
cancelled = Отменено.

command-start = Начать
command-language = Сменить язык
command-email = Изменить почту
command-help = Помощь
command-cancel = Отменить и вернуться в меню

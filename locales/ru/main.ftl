# Common texts, /start, language, main menu, help. Russian.

choose-language = Тілді таңдаңыз 👇
    Выберите язык 👇
language-button-kk = Қазақша
language-button-ru = Русский
language-set = Язык: русский ✅
# Shown before the language is chosen, so in both languages (the same text in kk and ru).
help-language = Тілді таңдаңыз: «Қазақша» немесе «Русский» батырмасын басыңыз. Тілді кейін /language командасымен ауыстыруға болады.
    Выберите язык: нажмите «Қазақша» или «Русский». Потом его можно сменить командой /language.

menu-title = Главное меню. Выберите раздел 👇
menu-apply = 📝 Подать заявление
menu-history = 📋 Мои заявления
menu-test-info = ℹ️ О тестировании
menu-help = ❓ Помощь
menu-language = 🌐 Язык

help-menu = Через этот бот можно зарегистрироваться на январское ЕНТ (платное).
    Официальные каналы НЦТ — сайт app.testcenter.kz и приложение UTO.
    📋 Мои заявления — статус, оплата, изменения (на сайте — «Моя история»).
    ℹ️ О тестировании — где, когда, что взять с собой.
    Поддержка: { $support }
help-dates = 🗓 { $campaign }
    • приём заявлений — до { $closes }
    • тестирование — { $test_days }
help-dates-db = • закрытие базы данных — { $db_closes }
help-db-meaning = После закрытия базы данных изменить заявление нельзя, а если его отозвать, деньги не вернут.

state-reset = Не получилось продолжить с того же места. Возвращаемся в меню.
unknown-command = Такой команды нет. Подсказка: /help
technical-error = Техническая ошибка. Попробуйте ещё раз через минуту.
edited-ignored = Изменённые сообщения я не вижу. Отправьте ответ заново, новым сообщением.
stale-button = Эта кнопка уже не действует.
use-buttons = Нажмите одну из кнопок ниже 👇
cancelled = Отменено.

command-start = Начать
command-language = Сменить язык
command-email = Изменить почту
command-help = Помощь
command-cancel = Отменить и вернуться в меню

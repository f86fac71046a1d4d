# Staff commands and the notifications they send. Russian.

staff-usage-find = Использование: /find <ИИН | email | телефон | номер заказа | № заявления>
staff-usage-noshow = Использование: /noshow <№ заявления> · /noshow undo <№ заявления> (администратор: снять отметку)
staff-usage-withdraw = Использование: /withdraw <№ заявления> — отозвать оплаченное заявление по просьбе заявителя
staff-usage-notify = Использование: /notify slot <№> <текст> · /notify venue <код> <текст> · /notify all <текст>
staff-usage-staff = Использование: /staff add <Telegram id> <admin|operator> · /staff remove <Telegram id>
staff-admin-only = Эта команда только для администратора.
staff-not-found = Ничего не найдено.
staff-find-applicant = 👤 { $name } · ИИН { $iin } · { $phone } · { $email } · Telegram { $tg }
staff-find-application = №{ $id } · { $status } · { $when } · { $place }
staff-find-payment = 💳 { $order } · { $method } · { $amount } · { $status }
staff-stats = 📊 { $campaign }
    Заявления: ожидают оплаты { $awaiting }, оплачены { $paid }, аннулированы { $annulled }, отменены { $cancelled }, отозваны { $withdrawn }, неявка { $no_show }
    Места: { $booked } / { $capacity }
    Оплаты: { $payments_sum } · к возврату: { $refunds } (/refunds)
    Очередь сообщений: { $outbox } · недоступных пользователей: { $unreachable }
    Обновления: ждут обработки { $inbox } · отложены после ошибок { $parked }
staff-slots-title = 🗓 Свободные места, { $campaign } (город · дата · время · свободно/всего):
staff-slots-line = { $city } · { $when } · { $free }/{ $capacity }
staff-noshow-done = Заявление №{ $id } отмечено как неявка.
staff-noshow-refused = Заявление №{ $id } нельзя отметить: неявкой может быть только оплаченное заявление.
staff-closedb-ask = Закрыть базу данных «{ $campaign }»? После этого изменить заявления и вернуть оплату будет нельзя.
staff-closedb-yes = Да, закрыть
staff-closedb-no = Нет
staff-closedb-done = База данных «{ $campaign }» закрыта.
staff-closedb-already = База данных уже закрыта.
staff-notify-queued = Сообщение в очереди: { $count ->
    [one] { $count } заявитель
    [few] { $count } заявителя
   *[many] { $count } заявителей
}.
staff-noshow-too-early = Заявление №{ $id }: тестирование ещё не началось, неявку отметить нельзя.
staff-noshow-undone = Отметка о неявке по заявлению №{ $id } снята.
staff-noshow-undo-refused = Заявление №{ $id } не отмечено как неявка.
staff-withdrawn-refund = Заявление №{ $id } отозвано, место освобождено. Заявителю сообщили, инструкция по возврату ушла ему на почту.
staff-withdrawn-no-refund = Заявление №{ $id } отозвано. База данных закрыта, поэтому оплата не возвращается; заявителю сообщили.
staff-withdraw-refused = Заявление №{ $id } отозвать нельзя: отозвать можно только оплаченное заявление и только до начала тестирования.
noshow-notice = Вы не пришли на тестирование по заявлению №{ $id }. Без уважительной причины подать заявление снова в этот период нельзя.
    Если причина уважительная (болезнь с заключением ВКК, смерть близкого родственника, республиканская или международная олимпиада либо соревнование, чрезвычайная ситуация), подайте заявление на имя директора НЦТ с подтверждающими документами прямо здесь: «📋 Мои заявления» → №{ $id }. Если будут свободные места, вы сдадите тест в другой день этого периода, на том же языке, на бумаге.
    Если неявку отметили по ошибке, напишите в НЦТ: { $support }
noshow-undone-notice = Отметка о неявке по заявлению №{ $id } снята: заявление снова действительно.
staff-refunds-title = 💸 К возврату: { $count } (дата · сумма · способ · заказ · заявление · причина · транзакция)
staff-refunds-line = { $when } · { $amount } · { $method } · заказ { $order } · { $application } · { $reason } · txn { $txn }
staff-refunds-none = Возвращать нечего.
refund-reason-late = оплата после срока
refund-reason-duplicate = повторная оплата
refund-reason-wrong_currency = другая валюта
refund-reason-wrong_amount = не та сумма
refund-reason-method_mismatch = не тот способ оплаты
refund-reason-unknown_order = неизвестный заказ
staff-campaign-unknown = Период { $code } не найден. Есть: { $codes }.
staff-notify-queued-campaign = Сообщение в очереди ({ $campaign }): { $count ->
    [one] { $count } заявитель
    [few] { $count } заявителя
   *[many] { $count } заявителей
}.
staff-added = Пользователь { $id } добавлен: { $role }.
staff-role-admin = администратор
staff-role-operator = оператор
payment-method-card = карта
payment-method-kaspi = Kaspi
payment-status-pending = ждёт оплаты
payment-status-paid = оплачен
payment-status-failed = отклонён
payment-status-late = поздний, нужен возврат
payment-status-cancelled = отменён
staff-removed = Пользователь { $id } удалён из списка сотрудников.
staff-cancelled = Отменено.

broadcast-audience = Кому отправить?
broadcast-all = Всем
broadcast-campaign = Подавшим заявление в этом периоде
broadcast-status = По статусу заявления
broadcast-city = По городу
broadcast-venue = По площадке
broadcast-slot = По времени (слот №)
broadcast-choose = Выберите:
broadcast-slot-ask = Напишите номер слота:
broadcast-text-ask = Напишите текст сообщения (до 4096 символов):
broadcast-too-long = Текст слишком длинный: { $length ->
    [one] { $length } символ
    [few] { $length } символа
   *[many] { $length } символов
}, максимум 4096.
broadcast-preview = Предпросмотр. { $count ->
    [one] { $count } получатель
    [few] { $count } получателя
   *[many] { $count } получателей
}.

    { $text }
broadcast-send = ✅ Отправить
broadcast-cancel = ✖️ Отмена
broadcast-nobody = В этой группе никого нет.
broadcast-progress = 📤 Рассылка №{ $id }: отправлено { $sent } из { $total }, ошибок { $failed }, недоступных { $unreachable }
broadcast-done = ✅ Рассылка №{ $id } завершена: отправлено { $sent } из { $total }, ошибок { $failed }, недоступных { $unreachable }

notice-header = 📢 Сообщение НЦТ:
slot-changed = ⚠️ Изменились время или место тестирования (заявление №{ $id }):
    📅 { $when }
    📍 { $venue }
    { $address }
test-day-reminder = ⏰ Завтра тестирование (заявление №{ $id }):
    📅 { $when }
    📍 { $venue }
    { $address }
    Возьмите удостоверение личности или паспорт (подойдёт электронный документ в eGov, Kaspi или Halyk) и ручку. Если вам нет 16 лет, возьмите свидетельство о рождении и справку из школы с фото 3×4.

command-find = Поиск: ИИН, email, телефон, заказ, заявление
command-stats = Статистика
command-slots = Свободные места
command-markpaid = Подтвердить оплату вручную
command-noshow = Отметить неявку
command-withdraw = Отозвать заявление (по просьбе заявителя)
command-refunds = Оплаты к возврату
command-closedb = Закрыть базу данных
command-notify = Отправить уведомление
command-broadcast = Рассылка
command-staff = Сотрудники
command-rebind = Перепривязать ИИН к другому аккаунту
command-console = Веб-консоль
staff-console-link = Ссылка для входа в веб-консоль. Она одноразовая и действует { $minutes ->
    [one] { $minutes } минуту
    [few] { $minutes } минуты
   *[many] { $minutes } минут
}; прежний вход в консоль завершён. Никому её не пересылайте.
staff-console-button = Открыть консоль
# /rebind and the re-bind queue (security review finding 6)
staff-usage-rebind = Использование: /rebind <ИИН> <Telegram id> — перепривязать ИИН к другому аккаунту (администратор). Заявления переходят вместе с ИИН.
staff-rebind-done = ИИН { $iin } перепривязан: { $from } → { $to }. Перенесено заявлений: { $applications } (действующих: { $live }). Оба аккаунта получат сообщение.
staff-rebind-not-in-registry = Такого ИИН нет в реестре.
staff-rebind-unknown-account = Аккаунт { $to } ещё не писал боту: пусть сначала отправит /start.
staff-rebind-already = Этот ИИН уже привязан к аккаунту { $to }.
staff-rebind-holds-another = К аккаунту { $to } привязан другой ИИН. Сначала перепривяжите его.
staff-rebind-conflict = ИИН только что привязали с другого аккаунта. Ничего не изменено, повторите команду.
rebind-notice-from = По решению поддержки НЦТ ИИН { $iin } отвязан от этого аккаунта и привязан к аккаунту его владельца. Заявления по этому ИИН перешли вместе с ним. Если это ошибка, напишите в поддержку: { $support }
rebind-notice-to = Поддержка НЦТ привязала ИИН { $iin } к этому аккаунту. Перенесено заявлений: { $applications }. Нажмите /start, чтобы продолжить.
rebind-request-refused-notice = Поддержка рассмотрела ваш запрос по ИИН { $iin }, но не смогла подтвердить, что ИИН ваш. Подробнее: { $support }

# The waitlist: waiting for a freed seat, and the offer of one. Russian.

waitlist-button = ⏳ Встать в очередь на место
waitlist-city = Очередь на место. Выберите город:
waitlist-date = { $city }: выберите дату. Подходят и дни без свободных мест.
waitlist-time = { $city }, { $date }: подойдёт любое время или только одно?
waitlist-any-time = Любое время этого дня
waitlist-slot = { $time } · { $venue } · { $seats }
waitlist-full = мест нет
waitlist-close = ✖️ Закрыть
waitlist-closed = Хорошо, в очередь не встаём.
waitlist-joined = Вы в очереди: { $city }, { $date }. Ваше место в очереди: { $position }.
    Как только место освободится, бот предложит его вам: на ответ будет { $minutes } мин.
waitlist-joined-offered = Свободное место нашлось сразу: предложение придёт следующим сообщением.
waitlist-already = Вы уже стоите в очереди на этот период. Посмотреть или выйти из неё можно в «📋 Мои заявления».
waitlist-no-place = Такого города, дня или времени в этом периоде нет. Начните подачу заявления заново.
waitlist-offer = 🎉 Освободилось место для вас!
    { $city }, { $venue }
    { $address }
    { $when }
    Забронировать его можно до { $until } ({ $minutes } мин.). Потом место перейдёт следующему в очереди.
waitlist-accept = ✅ Забронировать
waitlist-decline = Отказаться
waitlist-declined = Вы отказались от места, и оно перешло следующему в очереди. Встать в очередь снова можно при подаче заявления.
waitlist-offer-expired = Время на ответ вышло, и место перешло следующему в очереди. Встать в очередь снова можно при подаче заявления.
waitlist-offer-gone = Это предложение уже недействительно.
waitlist-booked = Место за вами! Заявление № { $id } создано. Оплатите { $fee } до { $deadline } — иначе через { $window } мин. место освободится.
waitlist-history = ⏳ Очередь: { $place }, { $date }. Ваше место: { $position }.
waitlist-history-offered = ⏳ Очередь: { $place }, { $date }. Вам предложено место!
waitlist-leave = Выйти из очереди
waitlist-left = Вы вышли из очереди.
waitlist-console-title = Очереди на места
waitlist-console-empty = В очередях никого нет.
waitlist-console-city = Город
waitlist-console-date = Дата
waitlist-console-waiting = Ждут
waitlist-console-offered = Предложено

# The Mini App (a calendar of free seats).
miniapp-open = 📅 Календарь свободных мест
miniapp-button = Выбрать время
miniapp-title = Где сдавать тест?
miniapp-search = Поиск города
miniapp-no-city = Такого города нет в списке.
miniapp-pick-day = Выберите день: под числом — сколько свободных мест.
miniapp-pick-time = Время и место на
miniapp-full = нет мест
miniapp-back = ◀️ Назад
miniapp-sent = Готово! Проверьте заявление в чате с ботом.
miniapp-taken = Это место только что заняли. Выберите другое время.
miniapp-failed = Не получилось. Попробуйте ещё раз.
miniapp-months = Январь,Февраль,Март,Апрель,Май,Июнь,Июль,Август,Сентябрь,Октябрь,Ноябрь,Декабрь
miniapp-weekdays = Пн,Вт,Ср,Чт,Пт,Сб,Вс
miniapp-choose = Выбрать
miniapp-no-wizard = Время из календаря подходит только для подачи заявления. Нажмите «📝 Подать заявление» и откройте календарь на шаге выбора города.
miniapp-slot-gone = Это время больше недоступно. Выберите другое.

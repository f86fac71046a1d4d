# The waitlist: waiting for a freed seat, and the offer of one. Kazakh.

waitlist-button = ⏳ Орынға кезекке тұру
waitlist-city = Орынға кезек. Қаланы таңдаңыз:
waitlist-date = { $city }: күнді таңдаңыз. Бос орны жоқ күндерді де таңдауға болады.
waitlist-time = { $city }, { $date }: кез келген уақыт бола ма, әлде тек біреуі ме?
waitlist-any-time = Осы күннің кез келген уақыты
waitlist-slot = { $time } · { $venue } · { $seats }
waitlist-full = орын жоқ
waitlist-close = ✖️ Жабу
waitlist-closed = Жақсы, кезекке тұрмаймыз.
waitlist-joined = Сіз кезектесіз: { $city }, { $date }. Кезектегі орныңыз: { $position }.
    Орын босай салысымен бот оны сізге ұсынады: жауап беруге { $minutes } мин. болады.
waitlist-joined-offered = Бос орын бірден табылды: ұсыныс келесі хабарламада келеді.
waitlist-already = Сіз осы кезеңге кезекте тұрсыз. Оны «📋 Менің өтініштерім» бөлімінен көріп, кезектен шығуға болады.
waitlist-no-place = Бұл кезеңде мұндай қала, күн немесе уақыт жоқ. Өтінішті басынан бастаңыз.
waitlist-offer = 🎉 Сізге орын босады!
    { $city }, { $venue }
    { $address }
    { $when }
    Оны { $until } дейін ({ $minutes } мин.) брондауға болады. Одан кейін орын кезектегі келесі адамға өтеді.
waitlist-accept = ✅ Брондау
waitlist-decline = Бас тарту
waitlist-declined = Сіз орыннан бас тарттыңыз, ол кезектегі келесі адамға өтті. Өтініш бергенде кезекке қайта тұруға болады.
waitlist-offer-expired = Жауап беру уақыты өтіп кетті, орын кезектегі келесі адамға өтті. Өтініш бергенде кезекке қайта тұруға болады.
waitlist-offer-gone = Бұл ұсыныс енді жарамсыз.
waitlist-booked = Орын сіздікі! № { $id } өтініш жасалды. { $fee } сомасын { $deadline } дейін төлеңіз, әйтпесе { $window } мин. өткенде орын босайды.
waitlist-history = ⏳ Кезек: { $place }, { $date }. Орныңыз: { $position }.
waitlist-history-offered = ⏳ Кезек: { $place }, { $date }. Сізге орын ұсынылды!
waitlist-leave = Кезектен шығу
waitlist-left = Сіз кезектен шықтыңыз.
waitlist-console-title = Орындарға кезек
waitlist-console-empty = Кезекте ешкім жоқ.
waitlist-console-city = Қала
waitlist-console-date = Күні
waitlist-console-waiting = Күтуде
waitlist-console-offered = Ұсынылды

# The Mini App (a calendar of free seats).
miniapp-open = 📅 Бос орындар күнтізбесі
miniapp-button = Уақытты таңдау
miniapp-title = Тестті қай жерде тапсырасыз?
miniapp-search = Қаланы іздеу
miniapp-no-city = Мұндай қала тізімде жоқ.
miniapp-pick-day = Күнді таңдаңыз: әр күннің астында бос орын саны көрсетілген.
miniapp-pick-time = Уақыты мен орны:
miniapp-full = орын жоқ
miniapp-back = ◀️ Артқа
miniapp-sent = Дайын! Өтінішті бот чатынан тексеріңіз.
miniapp-taken = Бұл орынды біреу жаңа ғана алды. Басқа уақытты таңдаңыз.
miniapp-failed = Болмады. Қайта көріңіз.
miniapp-months = Қаңтар,Ақпан,Наурыз,Сәуір,Мамыр,Маусым,Шілде,Тамыз,Қыркүйек,Қазан,Қараша,Желтоқсан
miniapp-weekdays = Дс,Сс,Ср,Бс,Жм,Сн,Жс
miniapp-choose = Таңдау
miniapp-no-wizard = Күнтізбедегі уақыт тек өтініш беру үшін керек. «📝 Өтініш беру» батырмасын басып, қала таңдау қадамында күнтізбені ашыңыз.
miniapp-slot-gone = Бұл уақыт енді қолжетімді емес. Басқасын таңдаңыз.

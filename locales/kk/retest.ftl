# Дәлелді себеппен қайта тапсыру (15.03.2026 № 204 бұйрық) және мерзімнен кейін тіркелу. Kazakh.

retest-offer = 📝 Қайта тапсыруға өтініш беру
retest-note-pending = 📝 Қайта тапсыру өтініші жіберілді, ҰТО шешімін күтуде.
retest-note-approved = ✅ Қайта тапсыру мақұлданды: ҰТО хабарламасынан жаңа күнді таңдаңыз.
retest-not-no-show = Қайта тапсыруды тек келмеген деп белгіленген өтініш бойынша сұрауға болады.
retest-past-window = Бұл келмеу бойынша қайта тапсыруға өтініш беру мерзімі өтіп кетті.
retest-already-pending = Қайта тапсыру өтініші жіберілген, шешім күтуде.
retest-already-decided = Бұл келмеу бойынша қайта тапсыру мақұлданған.
retest-choose-reason = №{ $id } өтініш бойынша қайта тапсыру. Бос орын болса, тестті осы кезеңнің басқа күнінде, сол тілде, қағаз жүзінде тапсыруға болады.
    Дәлелді себепті таңдаңыз:
retest-reason-illness = 🏥 Ауру (ДКК қорытындысы)
retest-reason-bereavement = 🕯 Жақын туысының қайтыс болуы
retest-reason-olympiad = 🏆 Олимпиада не жарыс
retest-reason-emergency = ⚠️ Төтенше жағдай
retest-send-documents = Себебі: { $reason }.
    Растайтын құжаттарды осында жіберіңіз — фото немесе PDF, 1-ден { $max }-ке дейін файл, әрқайсысы 20 МБ-тан аспасын. Сосын «Дайын» батырмасын басыңыз.
retest-received = Алынған файл: { $n }/{ $max }.
retest-done = ✅ Дайын
retest-cancel = ✖️ Болдырмау
retest-send = 📨 Жіберу
retest-confirm = №{ $id } өтініш бойынша қайта тапсыру өтініші
    Себебі: { $reason }
    Құжаттар: { $n } файл
    ҰТО-ға жіберілсін бе?
retest-sent = №{ $request } қайта тапсыру өтініші жіберілді. ҰТО шешім қабылдағанда, осында жазамыз.
retest-no-documents = Алдымен кемінде бір құжат жіберіңіз.
retest-cancelled = Қайта тапсыру өтініші жіберілмеді.
retest-file-text = Құжат керек: фото немесе PDF файл жіберіңіз ({ $max } файлға дейін).
retest-file-kind = Бұл файл жарамайды: тек фото мен PDF қабылданады.
retest-file-too-large = Файл 20 МБ-тан үлкен. Оны сығыңыз немесе фото жіберіңіз.
retest-file-too-many = { $max } файлдан артық жіберуге болмайды. «Дайын» батырмасын басыңыз.
retest-approved = ✅ ҰТО №{ $id } өтініш бойынша қайта тапсыруды мақұлдады. Жаңа күн мен уақытты таңдаңыз: тест қағаз жүзінде, сол тілде өтеді, қайта төлеудің қажеті жоқ.
retest-pick-slot = 📅 Күнді таңдау
retest-refused = ❌ ҰТО №{ $id } өтініш бойынша қайта тапсырудан бас тартты.
    Себебі: { $note }
    Сұрақтар бойынша: { $support }
retest-not-approved = Бұл қайта тапсыру енді қолжетімсіз.
retest-city = Қаланы таңдаңыз:
retest-date = Күнді таңдаңыз (бүгіннен кейінгі бос орны бар күндер көрсетілген):
retest-time = { $date }: уақыт пен орынды таңдаңыз:
retest-no-seats = Осы кезеңнің алдағы күндерінде бос орын жоқ. ҰТО-ға жазыңыз.
retest-slot-gone = Бұл уақыт бос емес. Басқасын таңдаңыз.
retest-booked = ✅ №{ $id } өтініш бойынша қайта тапсыру белгіленді.
    📅 { $when }
    📍 { $city }, { $venue }, { $address }
    Тапсыру тілі: { $language }
    Тест қағаз жүзінде өтеді. Жеке куәлігіңізді және қаламсап алыңыз.

retest-staff-empty = Қайта тапсыру өтініштері жоқ.
retest-staff-title = 📝 Қайта тапсыру өтініштері: { $n }. Құжаттар — консольде (/console → «Қайта тапсыру»).
retest-staff-item = №{ $request } қайта тапсыру · №{ $id } өтініш
    { $name }, ЖСН { $iin }
    Себебі: { $reason }
    Келмеген: { $city }, { $when }
    Құжат саны: { $n } — көру: /retests { $request }
    Бас тарту: /retests refuse { $request } қазақша себеп | орысша себеп
retest-staff-approve = ✅ Мақұлдау
retest-staff-approved = №{ $request } қайта тапсыру мақұлданды, өтініш берушіге хабарланды.
retest-staff-not-pending = №{ $request } қайта тапсыру бойынша шешім қабылданған (немесе ол жоқ).
retest-staff-refused = №{ $request } қайта тапсырудан бас тартылды, өтініш берушіге хабарланды.
retest-staff-usage = Қолданылуы: /retests — тізім · /retests refuse <№> қазақша себеп | орысша себеп
latereg-usage = Қолданылуы: /latereg <ЖСН> <сағат> — тіркеу аяқталғаннан кейін өтініш беруге рұқсат ету
latereg-granted = { $iin } ЖСН «{ $campaign }» кезеңіне { $when } дейін өтініш бере алады.
latereg-bad-hours = Сағат саны 1-ден { $max }-ке дейін болуы керек.
command-retests = Қайта тапсыру өтініштері
command-latereg = Мерзімнен кейін тіркеу

console-nav-retests = Қайта тапсыру
console-retests-title = Қайта тапсыру өтініштері
console-retests-none = Шешім күтіп тұрған өтініш жоқ.
console-retests-open = Ашу
console-retest-title = №{ $request } қайта тапсыру
console-retest-document = { $n }-құжат
console-retest-approve = Мақұлдау
console-retest-refuse = Бас тарту
console-retest-note-kk = Бас тарту себебі қазақша
console-retest-note-ru = Бас тарту себебі орысша
console-retest-approved = Қайта тапсыру мақұлданды, өтініш берушіге хабарланды.
console-retest-refused = Қайта тапсырудан бас тартылды, өтініш берушіге хабарланды.
console-retest-not-pending = Бұл қайта тапсыру бойынша шешім қабылданған.
console-retest-bad-note = Бас тарту себебін екі тілде де жазыңыз.
console-latereg-title = Мерзімнен кейін тіркеу
console-latereg-iin = ЖСН
console-latereg-hours = Сағат
console-latereg-grant = Рұқсат ету
console-latereg-granted = { $iin } ЖСН «{ $campaign }» кезеңіне { $when } дейін өтініш бере алады.
console-latereg-bad = ЖСН мен сағат санын тексеріңіз (1-ден { $max }-ке дейін).
console-retest-application = Өтініш
console-retest-reason = Себебі
console-retest-missed = Келмеген
console-retest-documents = Құжаттар
console-retest-decided = Шешім
console-retest-status-pending = шешім күтуде
console-retest-status-approved = мақұлданды
console-retest-status-refused = бас тартылды
console-retest-status-booked = белгіленді
retest-test-info-paper = 📝 Бұл дәлелді себеппен қайта тапсыру: тест қағаз жүзінде өтеді.

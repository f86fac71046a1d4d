# Пересдача по уважительной причине (приказ № 204 от 15.03.2026) и регистрация после срока. Russian.

retest-offer = 📝 Подать заявление на пересдачу
retest-note-pending = 📝 Заявление на пересдачу отправлено и ждёт решения НЦТ.
retest-note-approved = ✅ Пересдача одобрена: выберите новый день в сообщении НЦТ.
retest-not-no-show = Пересдачу можно запросить только по заявлению с неявкой.
retest-past-window = Срок подачи заявления на пересдачу по этой неявке истёк.
retest-already-pending = Заявление на пересдачу уже отправлено и ждёт решения.
retest-already-decided = По этой неявке пересдача уже одобрена.
retest-choose-reason = Пересдача по заявлению №{ $id }. Если будут свободные места, тест можно сдать в другой день этого периода, на том же языке, на бумаге.
    Выберите уважительную причину:
retest-reason-illness = 🏥 Болезнь (заключение ВКК)
retest-reason-bereavement = 🕯 Смерть близкого родственника
retest-reason-olympiad = 🏆 Олимпиада или соревнование
retest-reason-emergency = ⚠️ Чрезвычайная ситуация
retest-send-documents = Причина: { $reason }.
    Пришлите сюда подтверждающие документы — фото или PDF, от 1 до { $max } файлов, каждый не больше 20 МБ. Затем нажмите «Готово».
retest-received = Получено файлов: { $n } из { $max }.
retest-done = ✅ Готово
retest-cancel = ✖️ Отмена
retest-send = 📨 Отправить
retest-confirm = Заявление на пересдачу по заявлению №{ $id }
    Причина: { $reason }
    Документы: { $n ->
        [one] { $n } файл
        [few] { $n } файла
       *[many] { $n } файлов
    }
    Отправить в НЦТ?
retest-sent = Заявление на пересдачу №{ $request } отправлено. Когда НЦТ примет решение, мы напишем вам здесь.
retest-no-documents = Сначала пришлите хотя бы один документ.
retest-cancelled = Заявление на пересдачу не отправлено.
retest-file-text = Нужен документ: пришлите фото или PDF-файл (до { $max } файлов).
retest-file-kind = Этот файл не подходит: принимаются только фото и PDF.
retest-file-too-large = Файл больше 20 МБ. Сожмите его или пришлите фото.
retest-file-too-many = Можно прислать не больше { $max } файлов. Нажмите «Готово».
retest-approved = ✅ НЦТ одобрил пересдачу по заявлению №{ $id }. Выберите новый день и время: тест будет на бумаге, на том же языке, оплачивать снова не нужно.
retest-pick-slot = 📅 Выбрать день
retest-refused = ❌ НЦТ отказал в пересдаче по заявлению №{ $id }.
    Причина: { $note }
    Вопросы: { $support }
retest-not-approved = Эта пересдача уже недоступна.
retest-city = Выберите город:
retest-date = Выберите день (показаны дни после сегодняшнего со свободными местами):
retest-time = { $date }: выберите время и место:
retest-no-seats = Свободных мест в следующие дни этого периода нет. Напишите в НЦТ.
retest-slot-gone = Это время уже занято. Выберите другое.
retest-booked = ✅ Пересдача по заявлению №{ $id } назначена.
    📅 { $when }
    📍 { $city }, { $venue }, { $address }
    Язык сдачи: { $language }
    Тест будет на бумаге. Возьмите удостоверение личности и ручку.

retest-staff-empty = Заявлений на пересдачу нет.
retest-staff-title = 📝 Заявления на пересдачу: { $n }. Документы — в консоли (/console → «Пересдачи»).
retest-staff-item = Пересдача №{ $request } · заявление №{ $id }
    { $name }, ИИН { $iin }
    Причина: { $reason }
    Неявка: { $city }, { $when }
    Документов: { $n } — показать: /retests { $request }
    Отказать: /retests refuse { $request } причина на казахском | причина на русском
retest-staff-approve = ✅ Одобрить
retest-staff-approved = Пересдача №{ $request } одобрена, заявителю сообщили.
retest-staff-not-pending = По пересдаче №{ $request } решение уже принято (или её нет).
retest-staff-refused = В пересдаче №{ $request } отказано, заявителю сообщили.
retest-staff-usage = Использование: /retests — список · /retests refuse <№> причина на казахском | причина на русском
latereg-usage = Использование: /latereg <ИИН> <часы> — разрешить подать заявление после окончания регистрации
latereg-granted = ИИН { $iin } может подать заявление в «{ $campaign }» до { $when }.
latereg-bad-hours = Часов должно быть от 1 до { $max }.
command-retests = Заявления на пересдачу
command-latereg = Регистрация после срока

console-nav-retests = Пересдачи
console-retests-title = Заявления на пересдачу
console-retests-none = Заявлений, ждущих решения, нет.
console-retests-open = Открыть
console-retest-title = Пересдача №{ $request }
console-retest-document = Документ { $n }
console-retest-approve = Одобрить
console-retest-refuse = Отказать
console-retest-note-kk = Причина отказа на казахском
console-retest-note-ru = Причина отказа на русском
console-retest-approved = Пересдача одобрена, заявителю сообщили.
console-retest-refused = В пересдаче отказано, заявителю сообщили.
console-retest-not-pending = Решение по этой пересдаче уже принято.
console-retest-bad-note = Укажите причину отказа на обоих языках.
console-latereg-title = Регистрация после срока
console-latereg-iin = ИИН
console-latereg-hours = Часов
console-latereg-grant = Разрешить
console-latereg-granted = ИИН { $iin } может подать заявление в «{ $campaign }» до { $when }.
console-latereg-bad = Проверьте ИИН и число часов (от 1 до { $max }).
console-retest-application = Заявление
console-retest-reason = Причина
console-retest-missed = Неявка
console-retest-documents = Документы
console-retest-decided = Решение
console-retest-status-pending = ждёт решения
console-retest-status-approved = одобрена
console-retest-status-refused = отказано
console-retest-status-booked = назначена
retest-test-info-paper = 📝 Это пересдача по уважительной причине: тест будет на бумаге.
